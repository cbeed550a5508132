/** Leaving on purpose, and a socket that goes away: the peer leaves its room, its interval closes. */
import type { Room } from "../room.ts";
import type { Connection } from "./connection.ts";
import type { On } from "./on.ts";

export function lifecycleHandlers(on: On, conn: Connection, screenLeft: (room: Room | undefined) => void) {
  on("leave", async () => {
    const { peer, room } = conn.current();
    peer.closed = true;
    room.removePeer(peer);
    conn.detach();
    await conn.appendClose(peer, "leave");
    screenLeft(room);
    conn.audienceChanged(room);
    return { ok: true };
  });

  // async-ok: appendClose logs its own failure; nothing else here awaits.
  conn.socket.on("disconnect", async (reason) => {
    const { peer, room } = conn.detach();
    if (!peer || !room) return screenLeft(undefined);
    peer.closed = true;
    room.removePeer(peer);
    screenLeft(room);
    await conn.appendClose(peer, reason);
    conn.audienceChanged(room);
  });
}
