import { first } from "#db/first.ts";
/** Chat and Q&A: written through to the database (chat-store.ts), not attendance. */
import { eq } from "drizzle-orm";
import { units } from "#db/schema/index.ts";
import { viewOf } from "../chat.ts";
import { ClientError } from "../errors.ts";
import type { Connection } from "./connection.ts";
import type { On } from "./on.ts";

export function chatHandlers(on: On, conn: Connection) {
  const { deps, identity, sessionId } = conn;

  let unitName: string | null | undefined;
  const ownUnitName = async () => {
    if (unitName === undefined) {
      unitName = (await first(deps.db.select({ name: units.name }).from(units).where(eq(units.id, identity.unitId))))?.name ?? null;
    }
    return unitName;
  };

  on("chatSend", async ({ text, question }) => {
    const { room } = conn.current();
    const limit = deps.chatLimiter.take(sessionId, identity.memberId);
    if (!limit.ok) throw new ClientError("rate-limited", { retryAfterMs: limit.retryAfterMs });
    const msg = await room.chat.add({ memberId: identity.memberId, name: identity.name, unitName: await ownUnitName(), text, question });
    for (const p of room.peers.values()) p.notify("chat", viewOf(msg, p.id.role === "presenter"));
    deps.crossNode?.chat(sessionId, msg);
    return { ok: true, id: msg.id, at: msg.at };
  });

  on("chatModerate", async (m) => {
    const { room } = conn.currentAs("presenter");
    const msg = await room.chat.moderate(m.messageId, m.action, identity.name, m.action === "answer" ? m.answer : undefined);
    if (!msg) throw new ClientError("not-found");
    for (const p of room.peers.values()) p.notify("chatUpdate", viewOf(msg, p.id.role === "presenter"));
    deps.crossNode?.chatUpdate(sessionId, msg);
    return { ok: true, message: viewOf(msg, true) };
  });
}
