import { first } from "#db/first.ts";
/** Media: join (admission on a router), transports, producing and consuming. */
import { eq } from "drizzle-orm";
import { liveSessions } from "#db/schema/index.ts";
import type { types } from "mediasoup";
import type { JoinReply } from "#live/wire.ts";
import { iceServersFor } from "../config.ts";
import { ClientError } from "../errors.ts";
import { Peer } from "../peer.ts";
import type { Room } from "../room.ts";
import type { Connection } from "./connection.ts";
import type { On } from "./on.ts";

/** What a cell room's screen adds to its join reply (its check-ins and QR code). */
export type ScreenJoin = (room: Room) => Pick<JoinReply, "checkedIn" | "checkinCode">;

export function mediaHandlers(on: On, conn: Connection, screenJoin: ScreenJoin) {
  const { deps, identity, sessionId, socket } = conn;

  // Joins of one socket run one after the other (a rejoin may arrive while a join is in flight).
  let joining: Promise<unknown> = Promise.resolve();

  on("join", async ({ audioOnly }) => {
    const run = joining.then(() => join(audioOnly ?? false));
    joining = run.catch(() => {});
    return run;
  });

  async function join(audioOnly: boolean): Promise<JoinReply> {
    // A phone that scanned a QR checks in only; it never receives media or counts as a viewer.
    if (identity.role === "check-in") throw new ClientError("forbidden");
    if (!deps.joinLimiter.hit(identity.memberId)) throw new ClientError("rate-limited");
    const session = await first(deps.db.select({ state: liveSessions.state }).from(liveSessions).where(eq(liveSessions.id, sessionId)));
    if (!session || session.state === "ended") throw new ClientError("session-ended");
    const room = await deps.registry.get(sessionId);
    await room.ready();
    let peer = conn.peer;
    if (peer?.closed) throw new ClientError("not-joined");
    if (peer && conn.room !== room) {
      // The room was closed and re-created under this socket: start over.
      await conn.appendClose(peer, "room-closed");
      peer = undefined;
    }
    conn.replaceOther(room, peer); // before admission, so the member's old slots are free
    const firstJoin = !peer;
    if (!peer) peer = new Peer(identity, socket);
    else room.releaseMedia(peer);
    try {
      await room.admit(peer, audioOnly);
    } catch (e) {
      if (!firstJoin) {
        room.removePeer(peer);
        conn.detach();
        await conn.appendClose(peer, "refused");
      }
      throw e;
    }
    if (socket.disconnected) {
      room.removePeer(peer);
      throw new ClientError("not-joined");
    }
    conn.replaceOther(room, peer); // again: another tab may have joined while we awaited
    room.addPeer(peer);
    conn.attach(peer, room);
    conn.audienceChanged(room);
    if (firstJoin) {
      await deps.ledger.append({
        sessionId,
        memberId: identity.memberId,
        kind: "socket-connect",
        via: "individual",
        connectionId: peer.connectionId,
        at: Date.now(),
        detail: { role: identity.role, audioOnly },
      });
    }
    return {
      // mediasoup and mediasoup-client type the same capabilities slightly differently (see room.ts).
      routerRtpCapabilities: room.rtpCapabilities as JoinReply["routerRtpCapabilities"],
      iceServers: iceServersFor(deps.config, identity.memberId),
      role: identity.role,
      you: { memberId: identity.memberId, name: identity.name },
      audioOnly: peer.audioOnly,
      saveData: peer.saveData,
      sessionState: session.state,
      producers: room.producerList(peer),
      ...(identity.role === "cell-room" ? screenJoin(room) : {}),
      // The room's last chat messages (hidden ones only for presenters).
      chat: room.chat.historyFor(identity.role === "presenter"),
      recording: deps.recordings.of(room).status,
    };
  }

  on("createTransport", async ({ direction }) => {
    const { peer, room } = conn.current();
    return await room.createTransport(peer, direction);
  });

  on("connectTransport", async ({ transportId, dtlsParameters }) => {
    const { peer, room } = conn.current();
    await room.connectTransport(peer, transportId, dtlsParameters);
    return { ok: true };
  });

  on("produce", async (p) => {
    const { peer, room } = conn.current();
    // The schema bounds the shape; mediasoup validates the parameters themselves.
    return await room.produce(peer, { ...p, rtpParameters: p.rtpParameters as types.RtpParameters });
  });

  on("pauseProducer", async ({ producerId, paused }) => {
    const { peer, room } = conn.current();
    await room.pauseProducer(peer, producerId, paused);
    return { ok: true };
  });

  on("consume", async ({ rtpCapabilities, producerId }) => {
    const { peer, room } = conn.current();
    const consumers = await room.consume(peer, { rtpCapabilities: rtpCapabilities as types.RtpCapabilities, producerId });
    return { consumers };
  });

  on("resumeConsumer", async ({ consumerId }) => {
    const { peer, room } = conn.current();
    await room.resumeConsumer(peer, consumerId);
    return { ok: true };
  });

  on("setPreferredLayers", async ({ consumerId, spatialLayer, temporalLayer }) => {
    const { peer, room } = conn.current();
    return await room.setPreferredLayers(peer, consumerId, spatialLayer, temporalLayer);
  });

  on("saveData", async ({ enabled }) => {
    const { peer, room } = conn.current();
    return { consumers: await room.setSaveData(peer, enabled) };
  });

  on("restartIce", async ({ transportId }) => {
    const { peer, room } = conn.current();
    return { iceParameters: await room.restartIce(peer, transportId) };
  });
}
