/**
 * The signalling protocol: one zod schema per client→server event, and the names of the
 * server→client notifications. Every handler acks either its result or `{ error, message }`.
 *
 * mediasoup validates RTP parameters and capabilities itself; the schemas here bound their shape
 * and size so nothing unbounded reaches it.
 */
import { z } from "zod";

const id = z.string().min(1).max(64);
const uuid = z.string().uuid();
const shortString = z.string().max(256);

/** Chat text: NFC, control characters (but newlines and tabs) removed, trimmed, then 1–`max` characters. */
const chatText = (max: number) =>
  z
    .string()
    .max(max * 4)
    .transform((s) => s.normalize("NFC").replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, "").trim())
    .pipe(z.string().min(1).max(max));

/** A loose JSON object with bounded arrays: RTP parameters and capabilities. */
const codec = z
  .object({
    mimeType: z.string().min(1).max(64),
    clockRate: z.number().int().positive(),
    payloadType: z.number().int().min(0).max(127).optional(),
    preferredPayloadType: z.number().int().min(0).max(127).optional(),
    channels: z.number().int().min(1).max(8).optional(),
    kind: z.enum(["audio", "video"]).optional(),
    parameters: z.record(z.union([z.string().max(256), z.number()])).optional(),
    rtcpFeedback: z.array(z.object({ type: shortString, parameter: shortString.optional() }).passthrough()).max(32).optional(),
  })
  .passthrough();

const headerExtension = z
  .object({ uri: z.string().max(256), id: z.number().int().optional(), preferredId: z.number().int().optional() })
  .passthrough();

export const rtpCapabilities = z
  .object({
    codecs: z.array(codec).max(64).optional(),
    headerExtensions: z.array(headerExtension).max(64).optional(),
  })
  .passthrough();

export const rtpParameters = z
  .object({
    mid: z.string().max(32).optional(),
    codecs: z.array(codec).min(1).max(16),
    headerExtensions: z.array(headerExtension).max(32).optional(),
    encodings: z
      .array(
        z
          .object({
            ssrc: z.number().int().nonnegative().optional(),
            rid: z.string().max(32).optional(),
            scalabilityMode: z.string().max(16).optional(),
            maxBitrate: z.number().nonnegative().optional(),
          })
          .passthrough(),
      )
      .max(4)
      .optional(),
    rtcp: z.object({ cname: z.string().max(256).optional(), reducedSize: z.boolean().optional() }).passthrough().optional(),
  })
  .passthrough();

export const dtlsParameters = z.object({
  role: z.enum(["auto", "client", "server"]).optional(),
  fingerprints: z
    .array(z.object({ algorithm: z.string().min(1).max(32), value: z.string().min(1).max(256) }))
    .min(1)
    .max(8),
});

export const schemas = {
  /** Join (or rejoin after "rejoin") the session of the token. */
  join: z.object({ audioOnly: z.boolean().optional() }).strict(),
  createTransport: z.object({ direction: z.enum(["send", "recv"]) }).strict(),
  connectTransport: z.object({ transportId: id, dtlsParameters }).strict(),
  produce: z
    .object({
      transportId: id,
      kind: z.enum(["audio", "video"]),
      rtpParameters,
      source: z.enum(["camera", "microphone", "screen"]),
      paused: z.boolean().optional(),
    })
    .strict(),
  pauseProducer: z.object({ producerId: id, paused: z.boolean() }).strict(),
  /** The server picks: all producers not yet consumed, or the one named. */
  consume: z.object({ rtpCapabilities, producerId: id.optional() }).strict(),
  resumeConsumer: z.object({ consumerId: id }).strict(),
  setPreferredLayers: z
    .object({ consumerId: id, spatialLayer: z.number().int().min(0).max(2), temporalLayer: z.number().int().min(0).max(3).optional() })
    .strict(),
  saveData: z.object({ enabled: z.boolean() }).strict(),
  restartIce: z.object({ transportId: id }).strict(),
  /** Cell room: members physically present (client event id makes a retry idempotent). */
  checkin: z.object({ memberIds: z.array(z.number().int().positive()).min(1).max(500), eventId: uuid.optional() }).strict(),
  checkout: z.object({ memberIds: z.array(z.number().int().positive()).min(1).max(500), eventId: uuid.optional() }).strict(),
  /** Cell room: the current check-in code (its screen shows it as a QR). */
  checkinCode: z.object({}).strict(),
  /** A member's phone ("check-in" token): the code scanned from a cell room's QR. */
  qrCheckin: z.object({ code: z.string().regex(/^[A-Za-z0-9_-]{16}$/) }).strict(),
  /** Presenter: start or end the broadcast (sets the session's actual start/end). */
  startSession: z.object({}).strict(),
  endSession: z.object({}).strict(),
  /** Presenter: launch an attendance poll; every joined peer is asked. */
  startPoll: z.object({ question: z.string().trim().min(1).max(300), seconds: z.number().int().min(10).max(600).optional() }).strict(),
  /** Answer a poll (once per member per poll; a retry is a no-op). */
  pollAnswer: z.object({ pollId: uuid, answer: z.string().trim().min(1).max(200) }).strict(),
  /** Chat: a message to the room, or a question for the presenter. */
  chatSend: z.object({ text: chatText(500), question: z.boolean() }).strict(),
  /** Presenter: moderate a chat message (an answer is required with "answer", and only then). */
  chatModerate: z.discriminatedUnion("action", [
    z.object({ messageId: uuid, action: z.enum(["hide", "unhide", "pin", "unpin"]) }).strict(),
    z.object({ messageId: uuid, action: z.literal("answer"), answer: chatText(1000) }).strict(),
  ]),
  leave: z.object({}).strict(),
} as const;

export type EventName = keyof typeof schemas;
export type Payload<E extends EventName> = z.infer<(typeof schemas)[E]>;

/** Server → client notifications. */
export const NOTIFICATIONS = [
  "newProducer",
  "producerClosed",
  "consumerClosed",
  "consumerLayers",
  "rejoin",
  "replaced",
  "sessionStarted",
  "sessionEnded",
  "poll",
  /** A new chat message (the sender gets it too). */
  "chat",
  /** A moderated chat message (to viewers, a hidden one is `{ id, hidden: true }` only). */
  "chatUpdate",
  /** To a cell room: its new check-in code, each rotation. */
  "checkinCode",
  /** To a cell room: members who checked themselves in by scanning its QR. */
  "checkedIn",
  /** To presenters: who is watching (people, screens, cell rooms), per unit; sent at most once a second. */
  "audience",
] as const;
