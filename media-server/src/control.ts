/**
 * The app's control calls (ADR 0014; contract: #live/media-control.server.ts), served under
 * `/control/` on this node's own listener with the channel's handler (bearer key, zod, bounded
 * bodies). Today: a trainer in scope starts or stops a session's recording. The node asked is the
 * session's origin (where its presenters produce); it records exactly as the presenter's event does
 * (`Recordings.start`/`stop`), so every peer here, and on the other nodes through the adapter, is told.
 */
import { eq } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { first } from "#db/first.ts";
import { liveSessions } from "#db/schema/index.ts";
import { controlKey, mediaControl } from "#live/media-control.server.ts";
import { ChannelError, channelHandler, route } from "./cluster/channel.ts";
import { ClientError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { presenterSources, type Recordings } from "./recording/recordings.ts";
import type { RoomRegistry } from "./room.ts";

export function controlHandler(deps: { db: Db; rooms: RoomRegistry; recordings: Recordings; joinTokenSecret: string; log: Logger }) {
  const { db, rooms, recordings } = deps;
  const recording = route(mediaControl.recording, async ({ sessionId, action, memberId }) => {
    const room = rooms.peek(sessionId);
    if (action === "stop") {
      // No room here: its recording, if any, stopped and was joined when the room closed.
      if (!room || room.closed) return { active: false, since: null };
      return await recordings.stop(room);
    }
    const session = await first(db.select({ state: liveSessions.state }).from(liveSessions).where(eq(liveSessions.id, sessionId)));
    if (session?.state !== "live") throw new ChannelError(409, "not-live");
    if (!room || room.closed) throw new ChannelError(409, "no-presenter");
    const sources = presenterSources(room);
    if (!sources.audio && !sources.video) throw new ChannelError(409, "no-presenter");
    try {
      return await recordings.start(room, memberId);
    } catch (e) {
      if (e instanceof ClientError) throw new ChannelError(503, e.code);
      throw e;
    }
  });
  return channelHandler({ secret: controlKey(deps.joinTokenSecret), routes: [recording], log: deps.log });
}
