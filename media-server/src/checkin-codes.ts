/**
 * Rotating check-in codes for cell rooms. The hall's screen shows its current code as a QR; a
 * member scans it with their phone and is checked in to that screen's cell room, exactly as if the
 * secretary had ticked them. The media server both issues and checks the codes, so they need no
 * signature: each is 96 random bits, known only to the room.
 *
 * A code rotates every `rotateMs` and is accepted until `2 × rotateMs` after it was issued, so a
 * member who scans just before a rotation still gets in, while a photo of the QR forwarded to
 * someone at home stops working within a minute or two (the secretary also sees every QR check-in
 * appear on the tick list, and can untick it).
 */
import { randomBytes } from "node:crypto";

export type IssuedCode = { code: string; issuedAt: number; rotatesAt: number };

export class CheckinCodes {
  private readonly current = new Map<number, IssuedCode>();
  private readonly byCode = new Map<string, { hostId: number; issuedAt: number }>();

  constructor(readonly rotateMs: number) {}

  /** The host's current code; a new one when there is none or it is due for rotation. */
  currentFor(hostId: number, now = Date.now()): IssuedCode {
    const c = this.current.get(hostId);
    if (c && now < c.rotatesAt) return c;
    return this.rotate(hostId, now);
  }

  /**
   * A new code for the host now. The rotation timer calls this rather than `currentFor`: timers
   * may fire a millisecond early, and a skipped rotation would leave a code on screen past the
   * time it is accepted.
   */
  rotate(hostId: number, now = Date.now()): IssuedCode {
    this.prune(now);
    const issued: IssuedCode = { code: randomBytes(12).toString("base64url"), issuedAt: now, rotatesAt: now + this.rotateMs };
    this.current.set(hostId, issued);
    this.byCode.set(issued.code, { hostId, issuedAt: now });
    return issued;
  }

  /** The cell room host whose code this is, if it is still accepted. */
  hostOf(code: string, now = Date.now()): number | undefined {
    const e = this.byCode.get(code);
    if (!e || now - e.issuedAt >= 2 * this.rotateMs) return undefined;
    return this.current.has(e.hostId) ? e.hostId : undefined;
  }

  /** The host's screen left: its codes stop working at once. */
  drop(hostId: number) {
    this.current.delete(hostId);
    for (const [code, e] of this.byCode) if (e.hostId === hostId) this.byCode.delete(code);
  }

  private prune(now: number) {
    for (const [code, e] of this.byCode) if (now - e.issuedAt >= 2 * this.rotateMs) this.byCode.delete(code);
  }
}
