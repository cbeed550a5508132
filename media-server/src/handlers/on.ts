/**
 * The one wrapper every client→server event goes through: a per-socket token bucket, a size
 * bound, the event's zod schema (#live/wire.ts), then the handler, whose result — or refusal —
 * is the ack. Nothing a client sends can throw into socket.io; unknown events are answered too.
 */
import { schemas, type EventName, type Payload, type RefusalAck, type Reply } from "#live/wire.ts";
import { ClientError } from "../errors.ts";
import { TokenBucket } from "../limits.ts";
import type { MediaSocket } from "../socket.ts";
import type { Connection } from "./connection.ts";

export type Handler<E extends EventName> = (payload: Payload<E>) => Reply<E> | Promise<Reply<E>>;
export type On = <E extends EventName>(event: E, handler: Handler<E>) => void;

type AnyAck = (reply: unknown) => void;
/** What a client may actually send: anything. The typed event map says what we accept. */
type UntrustedSocket = { on(event: string, listener: (...args: unknown[]) => void): void };

function payloadSize(v: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(v) ?? "");
  } catch {
    return Infinity;
  }
}

export function eventWrapper(socket: MediaSocket, conn: Connection): On {
  const { log, config } = conn.deps;
  const bucket = new TokenBucket(60, 30);

  const reply = (ack: AnyAck, value: unknown) => {
    try {
      ack(value);
    } catch (e) {
      log.warn("ack failed", { error: e });
    }
  };

  socket.onAny((event: string, ...args: unknown[]) => {
    if (Object.hasOwn(schemas, event)) return;
    const ack = args[args.length - 1];
    if (typeof ack === "function") reply(ack as AnyAck, { error: "invalid-payload" } satisfies RefusalAck);
  });

  return function on<E extends EventName>(event: E, handler: Handler<E>) {
    // async-ok: every failure is caught below and answered through the ack.
    (socket as unknown as UntrustedSocket).on(event, async (...args: unknown[]) => {
      const ack: AnyAck = typeof args[args.length - 1] === "function" ? (args.pop() as AnyAck) : () => {};
      try {
        if (!bucket.take()) throw new ClientError("rate-limited");
        if (args.length > 1) throw new ClientError("invalid-payload");
        // No payload (or null, which is how socket.io sends undefined) means {}.
        const raw = args.length === 0 || args[0] == null ? {} : args[0];
        if (payloadSize(raw) > config.maxEventBytes) throw new ClientError("payload-too-large");
        const parsed = schemas[event].safeParse(raw);
        if (!parsed.success) {
          const issues = parsed.error.issues.slice(0, 3).map((i) => ({ path: i.path.join(".").slice(0, 100), message: i.message.slice(0, 200) }));
          throw new ClientError("invalid-payload", { issues });
        }
        reply(ack, await handler(parsed.data as Payload<E>));
      } catch (e) {
        if (e instanceof ClientError) reply(ack, e.toAck());
        else {
          log.error("handler failed", { event, memberId: conn.identity.memberId, error: e });
          reply(ack, { error: "internal" } satisfies RefusalAck);
        }
      }
    });
  };
}
