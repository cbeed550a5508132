/**
 * The whole wire contract between the browser and the media server (browser-safe: zod and types
 * only): one zod schema per client→server event, the type of every ack, every server→client
 * event with its payload, and what a socket carries after authentication. The media server is
 * typed `Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>` and
 * the browser `Socket<ServerToClientEvents, ClientToServerEvents>`, so a renamed field fails `tsc`
 * on both sides.
 *
 * mediasoup validates RTP parameters and capabilities itself; the schemas here bound their shape
 * and size so nothing unbounded reaches it. Their types on the wire are mediasoup-client's (what
 * the browser hands to and receives from mediasoup-client).
 */
import type { types as ms } from "mediasoup-client";
import { z } from "zod";
import type { JoinRole, JoinTokenPayload } from "./join-token.ts";
import type { Refusal } from "./refusals.ts";

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

export const PRODUCER_SOURCES = ["camera", "microphone", "screen"] as const;
export type ProducerSource = (typeof PRODUCER_SOURCES)[number];

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
      source: z.enum(PRODUCER_SOURCES),
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
  /** Presenter: start or stop recording the broadcast (the server records; every peer is told). */
  startRecording: z.object({}).strict(),
  stopRecording: z.object({}).strict(),
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

// ---------------------------------------------------------------------------------------------
// Acks: what each event answers (its result, or a refusal)
// ---------------------------------------------------------------------------------------------

/** A refusal: the code, and for some codes a detail the browser needs. */
export type RefusalAck = {
  error: Refusal;
  /** invalid-payload: the first few zod issues. */
  issues?: { path: string; message: string }[];
  /** rate-limited (chat): how long until the next message is accepted. */
  retryAfterMs?: number;
  /** session-full: whether audio only would still be admitted. */
  audioOnly?: boolean;
};

export type Ok = { ok: true };

export type IceServer = { urls: string | string[]; username?: string; credential?: string };

/** A cell room screen's current QR code (rotated by the server). */
export type IssuedCode = { code: string; issuedAt: number; rotatesAt: number };

export type SessionState = "scheduled" | "live" | "ended";

/** Whether the server is recording the broadcast, and since when (ms since epoch). */
export type RecordingStatus = { active: boolean; since: number | null };

export type ChatMessage = {
  id: string;
  memberId: number;
  name: string;
  unitName: string | null;
  text: string;
  question: boolean;
  at: number;
  hidden: boolean;
  /** When it was pinned (pinned messages are shown on top, latest pin first); null if not. */
  pinnedAt: number | null;
  answer: { text: string; by: string; at: number } | null;
};

/** What a viewer receives for a hidden message: only that it is hidden (no text, no author). */
type HiddenStub = { id: string; hidden: true };
export type ChatView = ChatMessage | HiddenStub;
export type ChatAction = Payload<"chatModerate">["action"];

export type Audience = {
  /** Distinct members watching: own screens (viewers) and those checked in at cell rooms. */
  people: number;
  viewers: number;
  cellRooms: number;
  checkedIn: number;
  byUnit: { unitId: number; code: string; name: string; viewers: number; cellRooms: number; checkedIn: number }[];
};

export type TransportInfo = {
  id: string;
  iceParameters: ms.IceParameters;
  iceCandidates: ms.IceCandidate[];
  dtlsParameters: ms.DtlsParameters;
};

export type ConsumerInfo = {
  id: string;
  producerId: string;
  kind: ms.MediaKind;
  type: "simple" | "simulcast" | "svc" | "pipe";
  rtpParameters: ms.RtpParameters;
  producerPaused: boolean;
  appData: Record<string, unknown>;
};

export type ConsumerLayers = { spatialLayer: number; temporalLayer?: number };

export type JoinReply = {
  routerRtpCapabilities: ms.RtpCapabilities;
  iceServers: IceServer[];
  role: JoinRole;
  you: { memberId: number; name: string };
  audioOnly: boolean;
  saveData: boolean;
  sessionState: SessionState;
  producers: { producerId: string; kind: ms.MediaKind; memberId: number }[];
  /** Cell room: who is checked in on this screen (kept by the server across our reconnects). */
  checkedIn?: number[];
  checkinCode?: IssuedCode;
  /** The room's last chat messages (hidden ones only for presenters). */
  chat: ChatMessage[];
  /** Whether the broadcast is being recorded (every viewer is shown it). */
  recording: RecordingStatus;
};

/** The result of each client→server event, when it succeeds. */
export type Replies = {
  join: JoinReply;
  createTransport: TransportInfo;
  connectTransport: Ok;
  produce: { id: string };
  pauseProducer: Ok;
  consume: { consumers: ConsumerInfo[] };
  resumeConsumer: Ok;
  setPreferredLayers: { applied: false } | { applied: true; preferredLayers: ConsumerLayers | undefined };
  saveData: { consumers: { consumerId: string; preferredLayers: ConsumerLayers | undefined }[] };
  restartIce: { iceParameters: ms.IceParameters };
  checkin: { checkedIn: number[]; refused: number[] };
  checkout: { checkedOut: number[] };
  checkinCode: IssuedCode;
  qrCheckin: { ok: true; already: boolean; cell: { code: string; name: string } | null; host: string };
  startSession: { state: SessionState | undefined; startedAt: number | undefined };
  endSession: { state: "ended"; endedAt: number };
  startRecording: RecordingStatus;
  stopRecording: RecordingStatus;
  startPoll: { pollId: string; closesAt: number };
  pollAnswer: { ok: true; recorded: boolean };
  chatSend: { ok: true; id: string; at: number };
  chatModerate: { ok: true; message: ChatView };
  leave: Ok;
};

export type Reply<E extends EventName> = Replies[E];
export type Ack<E extends EventName> = Reply<E> | RefusalAck;

export function isRefused<T extends object>(ack: T | RefusalAck): ack is RefusalAck {
  return typeof ack === "object" && ack !== null && "error" in ack && typeof (ack as RefusalAck).error === "string";
}

// ---------------------------------------------------------------------------------------------
// socket.io event maps
// ---------------------------------------------------------------------------------------------

type MediaBlobs = { rtpParameters: ms.RtpParameters; rtpCapabilities: ms.RtpCapabilities; dtlsParameters: ms.DtlsParameters };

/**
 * What the browser sends for an event: what its schema accepts, with mediasoup-client's own types
 * for the media descriptions the schema only bounds (mediasoup checks them).
 */
export type ClientPayload<E extends EventName> =
  z.input<(typeof schemas)[E]> extends infer P ? { [K in keyof P]: K extends keyof MediaBlobs ? MediaBlobs[K] : P[K] } : never;

/** Client → server: one payload and an ack. */
export type ClientToServerEvents = {
  [E in EventName]: (payload: ClientPayload<E>, ack: (reply: Ack<E>) => void) => void;
};

/** Server → client notifications. */
export type ServerToClientEvents = {
  newProducer: (p: { producerId: string; kind: ms.MediaKind; source: ProducerSource; memberId: number }) => void;
  producerClosed: (p: { producerId: string }) => void;
  consumerClosed: (p: { consumerId: string; producerId: string }) => void;
  consumerLayers: (p: { consumerId: string; layers: ConsumerLayers | null }) => void;
  /** The media worker was lost: join again on the same socket (attendance has no gap). */
  rejoin: (p: { reason: "media-restarted" }) => void;
  /** Another tab or device of the same member took over; this socket is closed next. */
  replaced: (p: { code: "replaced" }) => void;
  sessionStarted: (p: { startedAt: number }) => void;
  sessionEnded: (p: { endedAt: number }) => void;
  /** Recording started or stopped (to everyone in the room). */
  recording: (s: RecordingStatus) => void;
  poll: (p: { pollId: string; question: string; closesAt: number }) => void;
  /** A new chat message (the sender gets it too). */
  chat: (m: ChatView) => void;
  /** A moderated chat message (to viewers, a hidden one is `{ id, hidden: true }` only). */
  chatUpdate: (m: ChatView) => void;
  /** To a cell room: its new check-in code, each rotation. */
  checkinCode: (c: IssuedCode) => void;
  /** To a cell room: members who checked themselves in by scanning its QR. */
  checkedIn: (p: { memberIds: number[]; method: "qr"; name: string }) => void;
  /** To presenters: who is watching (people, screens, cell rooms), per unit; sent at most once a second. */
  audience: (a: Audience) => void;
};

/**
 * Between media nodes, through the socket.io adapter (ADR 0016; only with MEDIA_IO_ADAPTER set):
 * a chat message or its moderation, done on one node, is applied by every other node that carries
 * the session (the node it happened on has already stored it). Receivers parse the payload with
 * zod (media-server/src/cluster/events.ts).
 */
/**
 * One node's share of a session's audience (ADR 0016): what it counts among its own peers, with
 * the members it sees (so `people` stays distinct across nodes). Presenters' nodes add up every
 * node's share.
 */
export type AudiencePart = {
  viewers: number;
  cellRooms: number;
  checkedIn: number;
  byUnit: { unitId: number; viewers: number; cellRooms: number; checkedIn: number }[];
  people: number[];
};

export type InterServerEvents = {
  chat: (p: { sessionId: number; message: ChatMessage }) => void;
  chatUpdate: (p: { sessionId: number; message: ChatMessage }) => void;
  /** A node's audience share changed (an empty share when its room closes). */
  audience: (p: { sessionId: number; node: string; part: AudiencePart }) => void;
  /** A presenter started or ended the session on another node: members everywhere are told. */
  sessionState: (p: { sessionId: number; state: "live" | "ended"; at: number }) => void;
  /** A presenter opened an attendance poll on another node: members everywhere answer it. */
  poll: (p: { sessionId: number; poll: { pollId: string; question: string; openedAt: number; closesAt: number } }) => void;
  /** A node whose presenters need the total: every node with a room for the session announces its share. */
  audienceAsk: (p: { sessionId: number }) => void;
  /** Recording started or stopped on the session's origin (by its presenter or a trainer's control call). */
  recording: (p: { sessionId: number; status: RecordingStatus }) => void;
};

/** Who a socket is, set by the auth middleware from the verified token (never from a payload). */
export type PeerIdentity = {
  memberId: number;
  memberCode: string;
  name: string;
  role: JoinRole;
  unitId: number;
  unitPath: string;
};

export type SocketAuth = { token: JoinTokenPayload; identity: PeerIdentity };

export type SocketData = { auth: SocketAuth };

/** A refused connection's `connect_error` carries this as `data`. */
export type ConnectRefusal = { code: Refusal };
