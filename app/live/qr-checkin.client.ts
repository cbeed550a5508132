/**
 * A phone's one-shot check-in: open a socket with the page's "check-in" join token, send the code
 * scanned from the cell room's QR, close. The media server decides; nothing here asserts presence.
 */
import { io, type Socket } from "socket.io-client";
import { isRefusal, type Refusal } from "#live/refusals.ts";
import { isRefused, type ClientToServerEvents, type ConnectRefusal, type Reply, type ServerToClientEvents } from "#live/wire.ts";

export type QrCheckinResult = ({ ok: true } & Omit<Reply<"qrCheckin">, "ok">) | { ok: false; code: Refusal | "unreachable" };

/** `node`: the media node the token was placed on (the app's relay forwards the socket there). */
export function checkInByQr(token: string, code: string, node: string | null = null, timeoutMs = 15_000): Promise<QrCheckinResult> {
  return new Promise((resolve) => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({
      path: "/socket.io/",
      query: node ? { node } : {},
      transports: ["websocket"],
      reconnection: false,
      auth: { token },
      timeout: timeoutMs,
    });
    let settled = false;
    const done = (r: QrCheckinResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, code: "unreachable" }), timeoutMs);
    socket.on("connect_error", (err: Error & { data?: Partial<ConnectRefusal> }) =>
      done({ ok: false, code: isRefusal(err.data?.code) ? err.data.code : "unreachable" }),
    );
    socket.on("connect", () => {
      socket.emit("qrCheckin", { code }, (ack) => {
        if (isRefused(ack)) done({ ok: false, code: ack.error });
        else done({ ok: true, already: ack.already, cell: ack.cell, host: ack.host });
      });
    });
  });
}
