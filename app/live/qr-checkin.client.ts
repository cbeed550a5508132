/**
 * A phone's one-shot check-in: open a socket with the page's "check-in" join token, send the code
 * scanned from the cell room's QR, close. The media server decides; nothing here asserts presence.
 */
import { io } from "socket.io-client";
import type { ServerMessage } from "./live-connection.client.ts";

export type QrCheckinResult =
  | { ok: true; already: boolean; cell: { code: string; name: string } | null; host: string }
  | { ok: false; code: string; message?: ServerMessage };

export function checkInByQr(token: string, code: string, timeoutMs = 15_000): Promise<QrCheckinResult> {
  return new Promise((resolve) => {
    const socket = io({ path: "/socket.io/", transports: ["websocket"], reconnection: false, auth: { token }, timeout: timeoutMs });
    let settled = false;
    const done = (r: QrCheckinResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, code: "unreachable" }), timeoutMs);
    socket.on("connect_error", (err: Error & { data?: { code?: string; message?: ServerMessage } }) =>
      done({ ok: false, code: err.data?.code ?? "unreachable", message: err.data?.message }),
    );
    socket.on("connect", () => {
      socket.emit("qrCheckin", { code }, (ack: { ok?: true; error?: string; message?: ServerMessage; already?: boolean; cell?: { code: string; name: string } | null; host?: string }) => {
        if (ack?.ok) done({ ok: true, already: !!ack.already, cell: ack.cell ?? null, host: ack.host ?? "" });
        else done({ ok: false, code: ack?.error ?? "internal", message: ack?.message });
      });
    });
  });
}
