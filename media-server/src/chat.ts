/**
 * Chat and Q&A of a live session: the room keeps its last CHAT_HISTORY messages in memory (sent
 * to a member on join; hidden ones only to presenters), written through to the database when the
 * room has a store (chat-store.ts), so a media-server restart or a room closed for emptiness loses
 * nothing; and a per session+member rate limiter (two token buckets: a burst and a sustained
 * rate). Messages are not attendance.
 */
import { randomUUID } from "node:crypto";
import type { ChatAction, ChatMessage, ChatView } from "#live/wire.ts";

export const CHAT_HISTORY = 200;

/** Where the log writes through (chat-store.ts for the database). */
export type ChatPersistence = {
  save(m: ChatMessage): Promise<unknown> | void;
  update(m: ChatMessage, moderation: Moderation): Promise<unknown> | void;
};

/** Who moderated, for the record (not sent to clients). */
export type Moderation = { action: ChatAction; by: string; at: number };

export class ChatLog {
  private readonly messages: ChatMessage[] = [];
  private readonly byId = new Map<string, ChatMessage>();

  constructor(
    private readonly max = CHAT_HISTORY,
    private readonly store?: ChatPersistence,
    history: readonly ChatMessage[] = [],
  ) {
    for (const m of history.slice(-max)) {
      this.messages.push(m);
      this.byId.set(m.id, m);
    }
  }

  /** Stores the message first: if that fails, it throws and nobody sees a message that is not kept. */
  async add(m: Omit<ChatMessage, "id" | "at" | "hidden" | "pinnedAt" | "answer">, now = Date.now()): Promise<ChatMessage> {
    const msg: ChatMessage = { ...m, id: randomUUID(), at: now, hidden: false, pinnedAt: null, answer: null };
    await this.store?.save(msg);
    this.keep(msg);
    return msg;
  }

  /**
   * A message another node added and stored (ADR 0016): kept here too, not stored again, and
   * ignored if already here (a redelivery shows nothing twice). Returns it when new.
   */
  receive(m: ChatMessage): ChatMessage | undefined {
    if (this.byId.has(m.id)) return undefined;
    const msg = { ...m };
    this.keep(msg);
    return msg;
  }

  /** Holds a message in memory, letting go of the oldest past `max`. */
  private keep(msg: ChatMessage): void {
    this.messages.push(msg);
    this.byId.set(msg.id, msg);
    while (this.messages.length > this.max) {
      const old = this.messages.shift()!;
      this.byId.delete(old.id);
    }
  }

  /** Another node's moderation of a message (already stored there): its new state, if we have it. */
  applyUpdate(m: ChatMessage): ChatMessage | undefined {
    const current = this.byId.get(m.id);
    if (!current) return undefined;
    Object.assign(current, { hidden: m.hidden, pinnedAt: m.pinnedAt, answer: m.answer });
    return current;
  }

  get(id: string): ChatMessage | undefined {
    return this.byId.get(id);
  }

  get size() {
    return this.messages.length;
  }

  /** Applies a presenter's action; returns the updated message, or undefined if it is gone. */
  async moderate(id: string, action: ChatAction, by: string, answer?: string, now = Date.now()): Promise<ChatMessage | undefined> {
    const current = this.byId.get(id);
    if (!current) return undefined;
    // Changed on a copy, stored, then applied: a failed write leaves the message as it was.
    const m = { ...current };
    switch (action) {
      case "hide":
        m.hidden = true;
        m.pinnedAt = null; // a hidden message is not shown on top
        break;
      case "unhide":
        m.hidden = false;
        break;
      case "pin":
        m.pinnedAt = now;
        break;
      case "unpin":
        m.pinnedAt = null;
        break;
      case "answer":
        m.answer = { text: answer ?? "", by, at: now };
        break;
    }
    await this.store?.update(m, { action, by, at: now });
    Object.assign(current, m);
    return current;
  }

  /** The history as one member may see it: presenters everything, others without hidden messages. */
  historyFor(presenter: boolean): ChatMessage[] {
    return (presenter ? this.messages : this.messages.filter((m) => !m.hidden)).map((m) => ({ ...m }));
  }
}

/** What a message looks like to one reader. */
export function viewOf(m: ChatMessage, presenter: boolean): ChatView {
  if (m.hidden && !presenter) return { id: m.id, hidden: true };
  return { ...m };
}

/** A token bucket that can say how long until the next token. */
class Bucket {
  private tokens: number;
  private last: number;
  constructor(
    readonly capacity: number,
    /** Tokens per millisecond. */
    readonly rate: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }
  refill(now: number) {
    if (now > this.last) this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.rate);
    this.last = Math.max(this.last, now);
  }
  /** Milliseconds until one token is available (0 if one is). */
  waitMs(): number {
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.rate);
  }
  take() {
    this.tokens -= 1;
  }
  get full() {
    return this.tokens >= this.capacity;
  }
}

export type ChatLimits = { burst: number; burstMs: number; sustained: number; sustainedMs: number };

/** Default: at most 5 messages per 10 s and 60 per 10 min, per member and session. */
export const DEFAULT_CHAT_LIMITS: ChatLimits = { burst: 5, burstMs: 10_000, sustained: 60, sustainedMs: 600_000 };

/** Chat rate limits per session+member (across sockets and tabs), both buckets must allow. */
export class ChatLimiter {
  private readonly buckets = new Map<string, [Bucket, Bucket]>();
  constructor(private readonly limits: ChatLimits = DEFAULT_CHAT_LIMITS) {}

  /** Takes a token for the member, or returns how long to wait. */
  take(sessionId: number, memberId: number, now = Date.now()): { ok: true } | { ok: false; retryAfterMs: number } {
    const key = `${sessionId}:${memberId}`;
    let pair = this.buckets.get(key);
    if (!pair) {
      const l = this.limits;
      pair = [new Bucket(l.burst, l.burst / l.burstMs, now), new Bucket(l.sustained, l.sustained / l.sustainedMs, now)];
      this.buckets.set(key, pair);
    }
    for (const b of pair) b.refill(now);
    const wait = Math.max(...pair.map((b) => b.waitMs()));
    if (wait > 0) return { ok: false, retryAfterMs: wait };
    for (const b of pair) b.take();
    return { ok: true };
  }

  /** Forgets members whose buckets are full again (nothing to remember). */
  sweep(now = Date.now()) {
    for (const [k, pair] of this.buckets) {
      for (const b of pair) b.refill(now);
      if (pair.every((b) => b.full)) this.buckets.delete(k);
    }
  }
}
