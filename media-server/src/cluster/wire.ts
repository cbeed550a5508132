/**
 * The node-to-node contract (ADR 0016): one zod schema per request and reply of the internal
 * HTTP channel. Both ends parse what they receive: a body from another node is input like any other.
 */
import { z } from "zod";
import { PRODUCER_SOURCES } from "#live/wire.ts";
import { nodeId } from "./registry.ts";

const id = z.string().uuid();
const sessionId = z.number().int().positive();

/** SRTP between hosts (enableSrtp): the key travels only on this authenticated channel. */
const srtpParameters = z
  .object({
    cryptoSuite: z.enum(["AEAD_AES_256_GCM", "AEAD_AES_128_GCM", "AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32"]),
    keyBase64: z.string().min(16).max(200),
  })
  .strict();

/** One end of a pipe: where its PipeTransport listens, and its SRTP key. */
export const pipeEnd = z
  .object({
    ip: z.string().ip(),
    port: z.number().int().min(1).max(65535),
    srtpParameters,
  })
  .strict();
export type PipeEnd = z.infer<typeof pipeEnd>;

/** A node as another node addresses it. */
export const nodeRef = z.object({ nodeId, url: z.string().url() }).strict();
export type NodeRef = z.infer<typeof nodeRef>;

/**
 * RTP parameters of the origin's pipe consumer: bounded in shape here; mediasoup validates the
 * parameters themselves when the edge produces with them.
 */
const rtpParameters = z
  .object({
    mid: z.string().max(32).optional(),
    codecs: z.array(z.object({ mimeType: z.string().max(64), payloadType: z.number().int(), clockRate: z.number().int() }).passthrough()).min(1).max(16),
    headerExtensions: z.array(z.object({ uri: z.string().max(200), id: z.number().int() }).passthrough()).max(32).optional(),
    encodings: z.array(z.object({}).passthrough()).min(1).max(8),
    rtcp: z.object({}).passthrough().optional(),
  })
  .strict();

const producerInfo = {
  producerId: id,
  kind: z.enum(["audio", "video"]),
  memberId: z.number().int().positive(),
  source: z.enum(PRODUCER_SOURCES),
};

export const cluster = {
  /** edge → origin: open a pipe for one producer toward the edge's PipeTransport. */
  pipe: {
    path: "/cluster/pipe",
    body: z.object({ sessionId, producerId: id, edge: nodeRef, end: pipeEnd }).strict(),
    reply: z
      .object({
        pipeId: id,
        end: pipeEnd,
        producer: z.object({ ...producerInfo, rtpParameters, paused: z.boolean() }).strict(),
      })
      .strict(),
  },
  /** edge → origin: the edge dropped this pipe (its room closed, or it gave up). */
  pipeClose: {
    path: "/cluster/pipe/close",
    body: z.object({ pipeId: id }).strict(),
    reply: z.object({ ok: z.literal(true) }).strict(),
  },
  /** origin → edge: what happened to the producer behind a pipe. */
  pipeEvent: {
    path: "/cluster/pipe/event",
    body: z.object({ pipeId: id, producerId: id, event: z.enum(["close", "pause", "resume"]) }).strict(),
    reply: z.object({ ok: z.literal(true) }).strict(),
  },
  /**
   * origin → edge, once the edge beats again: the origin took it for dead (a starved process, not
   * only a dead one) and dropped every pipe toward it without a word; the edge pulls again.
   * Distinct from a pipe's "close" event (the producer closed).
   */
  pipesDropped: {
    path: "/cluster/pipes-dropped",
    body: z.object({ origin: nodeRef }).strict(),
    reply: z.object({ ok: z.literal(true) }).strict(),
  },
  /**
   * edge → origin: the session's producers now, and (with `watch`) the edge asks to be told of
   * new ones (`producerAdded`).
   */
  producers: {
    path: "/cluster/producers",
    body: z.object({ sessionId, watch: nodeRef.optional() }).strict(),
    reply: z.object({ producers: z.array(z.object(producerInfo).strict()).max(64) }).strict(),
  },
  /** origin → watching edge: a producer appeared on the session's origin. */
  producerAdded: {
    path: "/cluster/producer-added",
    body: z.object({ sessionId, origin: nodeRef, producerId: id }).strict(),
    reply: z.object({ ok: z.literal(true) }).strict(),
  },
  /**
   * control → edge: carry a session from its origin (open the room, pipe every producer, follow
   * new ones). The app's placement calls this when it first puts a viewer of a session on an edge.
   */
  carry: {
    path: "/cluster/carry",
    body: z.object({ sessionId, origin: nodeRef }).strict(),
    reply: z.object({ producers: z.array(id) }).strict(),
  },
} as const;

export type ClusterCall = (typeof cluster)[keyof typeof cluster];
