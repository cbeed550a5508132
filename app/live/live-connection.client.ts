/**
 * The browser side of a live session (loaded only in the browser): socket.io to the app's own
 * origin (the app proxies the WebSocket to the media server), mediasoup-client for the media.
 *
 * - Every (re)connection is authenticated: socket.io calls `auth` each time, and it hands over a
 *   fresh join token from /api/live/:id/token when the one it has is near expiry (or was refused
 *   as expired).
 * - After any connect, and when the server says "rejoin" (its worker died), the whole join runs
 *   again on the socket: new Device, transports, then republish (presenter, same tracks) or
 *   consume (viewer, cell room). A transport that goes `disconnected`/`failed` gets an ICE restart
 *   first, and a full rejoin if it does not come back.
 * - The UI reads an immutable snapshot (useSyncExternalStore); nothing here touches React.
 */
import { Device, type types } from "mediasoup-client";
import { io, type Socket } from "socket.io-client";
import { FATAL_CONNECT_REFUSALS, isRefusal } from "#live/refusals.ts";
import {
  isRefused,
  type Ack,
  type Audience,
  type ChatAction,
  type ChatMessage,
  type ChatView,
  type ClientPayload,
  type ClientToServerEvents,
  type ConnectRefusal,
  type EventName,
  type IceServer,
  type IssuedCode,
  type ProducerSource,
  type RefusalAck,
  type Reply,
  type ServerToClientEvents,
  type RecordingStatus,
  type SessionState,
} from "#live/wire.ts";

export type LiveRole = "presenter" | "viewer" | "cell-room";

export type ConnState =
  | "idle"
  | "connecting"
  | "joined"
  | "reconnecting"
  | "refused"
  | "full"
  | "ended"
  | "replaced"
  | "left";

/** The result of sending or moderating: ok, or the server's refusal (with how long to wait when rate-limited). */
export type ChatResult = { ok: true } | { ok: false; code: string; retryAfterMs?: number };

const CHAT_KEEP = 200;

export type VideoStats = { consumerId: string; framesDecoded: number; width: number | null; height: number | null; kbps: number | null; protocol: string | null };

export type Snapshot = {
  conn: ConnState;
  /**
   * Why the last thing failed: a server refusal code (#live/refusals.ts) or a local one, which the
   * page words in the reader's language; `detail` is the browser's own text (a device error).
   */
  error: { code: string; detail?: string; audioOnly?: boolean } | null;
  sessionState: SessionState;
  startedAt: number | null;
  audioOnly: boolean;
  /** The server offered audio only when the session was full for video. */
  audioOnlyOffered: boolean;
  saveData: boolean;
  remoteVideo: MediaStreamTrack | null;
  remoteAudio: MediaStreamTrack | null;
  /** Spatial layer the server forwards to us (0 = lowest), from consumerLayers. */
  layer: number | null;
  transport: string;
  rejoins: number;
  /** ICE restarts this page asked for (a transport went disconnected/failed). */
  iceRestarts: number;
  /** How the media came back after the last loss: on the same transport, or by a new join. */
  recoveredBy: "ice-restart" | "rejoin" | null;
  stats: VideoStats | null;
  // presenter
  localVideo: MediaStreamTrack | null;
  localAudio: MediaStreamTrack | null;
  producing: { audio: boolean; video: boolean };
  micMuted: boolean;
  cameraOff: boolean;
  source: "camera" | "screen";
  cameraId: string | null;
  micId: string | null;
  devices: { cameras: MediaDeviceInfo[]; mics: MediaDeviceInfo[] };
  audience: Audience | null;
  // cell room
  checkedIn: number[];
  pendingCheck: number[];
  /** The code the hall's screen shows as a QR for phone check-in (rotated by the server). */
  checkinCode: IssuedCode | null;
  /** Members who checked themselves in by scanning the QR (marked on the tick list). */
  qrCheckedIn: number[];
  /**
   * The media node this socket is placed on (several nodes, ADR 0016), null on a single node: a
   * cell room's QR names it, so the phones that scan it check in where this screen's room is.
   */
  node: string | null;
  // attendance poll
  poll: { pollId: string; question: string; closesAt: number; answered: boolean } | null;
  lastPoll: { pollId: string; closesAt: number } | null;
  // chat and Q&A (arrival order; hidden ones only for presenters)
  chat: ChatMessage[];
  /** My own member id (from join), to mark my messages. */
  me: number | null;
  /** The server is recording the broadcast (every viewer is shown it). */
  recording: RecordingStatus;
};

export type LiveOptions = {
  sessionId: number;
  role: LiveRole;
  /** The token the page's loader signed. */
  token: string;
  tokenExpiresAt: number;
  /** Where a fresh token comes from (same mode and cell as the page). */
  tokenUrl: string;
  /**
   * The media node the token names (several nodes, ADR 0016): the socket's URL says it, so the
   * app's relay forwards the socket there. Null on a single node.
   */
  node?: string | null;
  audioOnly?: boolean;
  saveData?: boolean;
};

/** A refused request: the event's ack was a refusal. */
class Refused extends Error {
  constructor(
    event: EventName,
    readonly ack: RefusalAck,
  ) {
    super(`${event}: ${ack.error}`);
  }
}
const REFRESH_BEFORE_MS = 2 * 60_000;
const ICE_RESTART_GRACE_MS = 10_000;

/** crypto.randomUUID needs a secure context; this works on plain-http LAN addresses too. */
export function uuid(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const SIMULCAST: types.RtpEncodingParameters[] = [
  { rid: "r0", maxBitrate: 150_000, scaleResolutionDownBy: 4 },
  { rid: "r1", maxBitrate: 500_000, scaleResolutionDownBy: 2 },
  { rid: "r2", maxBitrate: 1_200_000 },
];

export class LiveConnection {
  private snap: Snapshot;
  private readonly listeners = new Set<() => void>();
  private socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  private device: Device | null = null;
  private send: types.Transport | null = null;
  private recv: types.Transport | null = null;
  private readonly consumers = new Map<string, types.Consumer>();
  private videoProducer: types.Producer | null = null;
  private audioProducer: types.Producer | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private token: string;
  private tokenExpiresAt: number;
  private forceFreshToken = false;
  /** The media node the socket is placed on (several nodes); null on a single node. */
  private node: string | null;
  private replacing: Promise<void> | undefined;
  private stopped = false;
  /** Counts start() and dispose() calls: a start() still awaiting the camera knows it is stale. */
  private runs = 0;
  private iceTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Media was lost (socket, transport or worker) and the next completed join is its recovery. */
  private mediaLost = false;
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private lastBytes: { at: number; bytes: number } | null = null;
  /** Cell room: who should be checked in (re-sent after a rejoin the server does not remember). */
  private wanted = new Set<number>();
  private cameraStream: MediaStream | null = null;
  private screenTrack: MediaStreamTrack | null = null;

  constructor(private readonly opts: LiveOptions) {
    this.token = opts.token;
    this.tokenExpiresAt = opts.tokenExpiresAt;
    this.node = opts.node ?? null;
    this.snap = {
      conn: "idle",
      error: null,
      sessionState: "scheduled",
      startedAt: null,
      audioOnly: !!opts.audioOnly,
      audioOnlyOffered: false,
      saveData: !!opts.saveData,
      remoteVideo: null,
      remoteAudio: null,
      layer: null,
      transport: "new",
      rejoins: 0,
      iceRestarts: 0,
      recoveredBy: null,
      stats: null,
      localVideo: null,
      localAudio: null,
      producing: { audio: false, video: false },
      micMuted: false,
      cameraOff: false,
      source: "camera",
      cameraId: null,
      micId: null,
      devices: { cameras: [], mics: [] },
      audience: null,
      checkedIn: [],
      pendingCheck: [],
      checkinCode: null,
      qrCheckedIn: [],
      node: opts.node ?? null,
      poll: null,
      lastPoll: null,
      chat: [],
      me: null,
      recording: { active: false, since: null },
    };
  }

  // ---- store for React ------------------------------------------------------------------------

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getSnapshot = () => this.snap;

  private set(patch: Partial<Snapshot>) {
    this.snap = { ...this.snap, ...patch };
    for (const l of this.listeners) l();
  }

  // ---- tokens -----------------------------------------------------------------------------------

  private async freshToken(): Promise<string> {
    if (!this.forceFreshToken && this.tokenExpiresAt - Date.now() > REFRESH_BEFORE_MS) return this.token;
    const res = await fetch(this.opts.tokenUrl, { credentials: "same-origin", headers: { accept: "application/json" }, cache: "no-store" });
    const body = (await res.json().catch(() => ({}))) as { token?: string; expiresAt?: number; node?: string | null; error?: string };
    if (body.error === "session-full") {
      // Placement found no media node with room: today's answer, as a join refusal would give it.
      this.set({ conn: "full", audioOnlyOffered: false, error: { code: "session-full", audioOnly: false } });
      this.socket?.disconnect();
      throw new Error("session-full");
    }
    if (!res.ok || !body.token || !body.expiresAt) throw new Error(`token ${res.status}`);
    this.token = body.token;
    this.tokenExpiresAt = body.expiresAt;
    this.placeOn(body.node ?? null);
    this.forceFreshToken = false;
    return this.token;
  }

  /** The node the next connection attempt goes to (the relay reads it from the socket's URL). */
  private placeOn(node: string | null) {
    this.node = node;
    if (this.socket) this.socket.io.opts.query = node ? { node } : {};
    if (this.snap.node !== node) this.set({ node });
  }

  /**
   * Several media nodes: the node this socket was placed on is gone or refused it. A fresh token
   * places it again; the URL of the next attempt names the new node.
   */
  private replace() {
    if (!this.node || this.replacing) return;
    this.forceFreshToken = true;
    this.replacing = this.freshToken()
      .then(
        () => {},
        () => {},
      )
      .finally(() => (this.replacing = undefined));
  }

  // ---- connection -------------------------------------------------------------------------------

  /** Opens the socket; the join follows on connect. Presenters open camera and microphone first. */
  async start() {
    if (this.socket) return;
    const run = ++this.runs;
    this.stopped = false;
    this.set({ conn: "connecting", error: null });
    if (this.opts.role === "presenter") {
      await this.openCamera(run).catch((e) => this.reportMediaError(e));
      // Disposed while the camera opened (the page went away, or React's StrictMode ran the
      // effect twice): going on would open a second socket that replaces the live one.
      if (run !== this.runs || this.socket) return;
    }
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({
      path: "/socket.io/",
      query: this.node ? { node: this.node } : {},
      transports: ["websocket"],
      reconnectionDelay: 1000,
      reconnectionDelayMax: 10_000,
      auth: (cb) => {
        this.freshToken().then(
          (token) => cb({ token }),
          () => cb({ token: this.token }),
        );
      },
    });
    this.socket = socket;
    socket.on("connect", () => {
      this.set({ error: null });
      void this.serial(() => this.join()).catch((e) => this.fail(e));
    });
    socket.on("disconnect", (reason) => {
      this.dropMedia();
      if (this.stopped || ["replaced", "ended", "left", "refused"].includes(this.snap.conn)) return;
      this.mediaLost = true;
      // "io server disconnect": the server closed us on purpose; socket.io does not retry by itself.
      if (reason === "io server disconnect") socket.connect();
      this.set({ conn: "reconnecting" });
    });
    socket.on("connect_error", (err: Error & { data?: Partial<ConnectRefusal> }) => {
      const code = isRefusal(err.data?.code) ? err.data.code : undefined;
      if (code === "expired-token") {
        this.forceFreshToken = true;
        this.set({ conn: "reconnecting" });
        return;
      }
      if (code === "wrong-node") {
        this.replace();
        this.set({ conn: "reconnecting" });
        return;
      }
      if (code === "session-ended") return this.finish("ended");
      if (code && FATAL_CONNECT_REFUSALS.has(code)) {
        this.set({ conn: "refused", error: { code } });
        socket.disconnect();
        return;
      }
      // The network or the media server is down: socket.io keeps retrying (and, with several
      // media nodes, the next attempt goes where a fresh placement says).
      this.replace();
      this.set({ conn: this.snap.conn === "connecting" ? "connecting" : "reconnecting", error: { code: "unreachable" } });
    });
    socket.on("rejoin", () => {
      this.mediaLost = true;
      this.set({ rejoins: this.snap.rejoins + 1 });
      void this.serial(() => this.join()).catch((e) => this.fail(e));
    });
    socket.on("newProducer", () => {
      if (this.opts.role !== "presenter") void this.serial(() => this.consumeAll()).catch((e) => this.fail(e));
    });
    socket.on("consumerClosed", ({ consumerId }) => {
      const c = this.consumers.get(consumerId);
      c?.close();
      this.consumers.delete(consumerId);
      this.publishTracks();
    });
    socket.on("consumerLayers", ({ consumerId, layers }) => {
      const c = this.consumers.get(consumerId);
      if (c?.kind === "video") this.set({ layer: layers?.spatialLayer ?? null });
    });
    socket.on("sessionStarted", ({ startedAt }) => this.set({ sessionState: "live", startedAt }));
    socket.on("sessionEnded", () => this.finish("ended"));
    socket.on("recording", (r) => this.set({ recording: r }));
    socket.on("replaced", () => {
      this.set({ error: { code: "replaced" } });
      this.finish("replaced");
    });
    socket.on("audience", (a) => this.set({ audience: a }));
    socket.on("checkinCode", (c) => this.set({ checkinCode: c }));
    socket.on("checkedIn", ({ memberIds }) => {
      // Kept like a tick, so a rejoin after a media-server restart re-sends it.
      for (const id of memberIds) this.wanted.add(id);
      this.set({ checkedIn: [...this.wanted], qrCheckedIn: [...new Set([...this.snap.qrCheckedIn, ...memberIds])] });
    });
    socket.on("poll", (p) => this.set({ poll: { ...p, answered: false } }));
    socket.on("chat", (m) => this.upsertChat(m));
    socket.on("chatUpdate", (m) => this.upsertChat(m));
    if (this.opts.role !== "presenter") this.startStats();
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => {});
    return p;
  }

  private fail(e: unknown) {
    if (this.stopped) return;
    if (!(e instanceof Refused)) {
      this.set({ error: { code: "client-error", detail: String((e as Error)?.message ?? e) } });
      return;
    }
    const { ack } = e;
    if (ack.error === "session-ended") return this.finish("ended");
    if (ack.error === "session-full") {
      this.set({ conn: "full", audioOnlyOffered: !!ack.audioOnly, error: { code: "session-full", audioOnly: !!ack.audioOnly } });
      return;
    }
    this.set({ error: { code: ack.error } });
  }

  /** Sends one event; its payload and ack are typed by the wire contract (#live/wire.ts). */
  private async request<E extends EventName>(event: E, payload: ClientPayload<E>): Promise<Ack<E>> {
    if (!this.socket) throw new Error("not connected");
    const timed = this.socket.timeout(20_000);
    // socket.io cannot narrow its event map through a generic event name; the map types both ends.
    return (await (timed.emitWithAck as (ev: E, p: ClientPayload<E>) => Promise<Ack<E>>).call(timed, event, payload)) as Ack<E>;
  }

  /** Like request, but a refusal throws (`Refused`, which `fail` reports). */
  private async must<E extends EventName>(event: E, payload: ClientPayload<E>): Promise<Reply<E>> {
    const r = await this.request(event, payload);
    if (isRefused(r)) throw new Refused(event, r);
    return r as Reply<E>;
  }

  /** Closes local media objects (not the presenter's tracks: a rejoin republishes them). */
  private dropMedia() {
    for (const t of this.iceTimers.values()) clearTimeout(t);
    this.iceTimers.clear();
    for (const c of this.consumers.values()) c.close();
    this.consumers.clear();
    this.videoProducer?.close();
    this.audioProducer?.close();
    this.videoProducer = this.audioProducer = null;
    this.send?.close();
    this.recv?.close();
    this.send = this.recv = null;
    this.lastBytes = null;
    this.set({ remoteVideo: null, remoteAudio: null, layer: null, producing: { audio: false, video: false }, transport: "new", stats: null });
  }

  private async join() {
    if (this.stopped || !this.socket?.connected) return;
    this.dropMedia();
    const joined = await this.must("join", { audioOnly: this.snap.audioOnly });
    this.device = new Device();
    await this.device.load({ routerRtpCapabilities: joined.routerRtpCapabilities });
    this.set({
      sessionState: joined.sessionState,
      chat: Array.isArray(joined.chat) ? (joined.chat as ChatMessage[]).slice(-CHAT_KEEP) : [],
      me: joined.you?.memberId ?? null,
      recording: joined.recording ?? { active: false, since: null },
      conn: "joined",
      audioOnlyOffered: false,
      error: null,
    });
    if (this.opts.role === "presenter") {
      this.send = await this.transport("send", joined.iceServers);
      await this.publish();
    } else {
      if (this.snap.saveData) await this.must("saveData", { enabled: true });
      this.recv = await this.transport("recv", joined.iceServers);
      await this.consumeAll();
    }
    if (this.mediaLost) {
      this.mediaLost = false;
      this.set({ recoveredBy: "rejoin" });
    }
    if (this.opts.role === "cell-room") {
      // The server keeps check-ins across our reconnects but not across its own restart.
      const known = new Set<number>(joined.checkedIn ?? []);
      const missing = [...this.wanted].filter((id) => !known.has(id));
      for (const id of known) this.wanted.add(id);
      this.set({ checkedIn: [...this.wanted], checkinCode: joined.checkinCode ?? null });
      if (missing.length) await this.checkin(missing);
    }
  }

  private async transport(direction: "send" | "recv", iceServers: RTCIceServer[]): Promise<types.Transport> {
    const p = await this.must("createTransport", { direction });
    const options = { id: p.id, iceParameters: p.iceParameters, iceCandidates: p.iceCandidates, dtlsParameters: p.dtlsParameters, iceServers };
    const t = direction === "send" ? this.device!.createSendTransport(options) : this.device!.createRecvTransport(options);
    t.on("connect", ({ dtlsParameters }, ok, fail) => {
      this.request("connectTransport", { transportId: t.id, dtlsParameters }).then((r) => (isRefused(r) ? fail(new Refused("connectTransport", r)) : ok()), fail);
    });
    if (direction === "send") {
      t.on("produce", ({ kind, rtpParameters, appData }, ok, fail) => {
        this.request("produce", { transportId: t.id, kind, rtpParameters, source: (appData as { source: ProducerSource }).source }).then(
          (r) => (isRefused(r) ? fail(new Refused("produce", r)) : ok({ id: r.id })),
          fail,
        );
      });
    }
    t.on("connectionstatechange", (state) => {
      this.set({ transport: state });
      if (state === "connected") {
        if (this.iceTimers.has(t.id)) {
          clearTimeout(this.iceTimers.get(t.id));
          this.iceTimers.delete(t.id);
          this.mediaLost = false;
          this.set({ recoveredBy: "ice-restart" });
        }
        // Back from a media-only loss (the socket stayed up): the status line says so again.
        if (this.snap.conn === "reconnecting" && this.socket?.connected) this.set({ conn: "joined" });
      } else if (state === "disconnected" || state === "failed") {
        // The picture froze: the status line must not keep saying "connected" while we recover.
        if (this.snap.conn === "joined") this.set({ conn: "reconnecting" });
        void this.recoverTransport(t);
      }
    });
    return t;
  }

  /** ICE restart first; if the transport is not back within a grace period, a full rejoin. */
  private async recoverTransport(t: types.Transport) {
    if (this.iceTimers.has(t.id) || t.closed || !this.socket?.connected) return;
    this.iceTimers.set(
      t.id,
      setTimeout(() => {
        this.iceTimers.delete(t.id);
        if (!t.closed && t.connectionState !== "connected") void this.serial(() => this.join()).catch((e) => this.fail(e));
      }, ICE_RESTART_GRACE_MS),
    );
    this.mediaLost = true;
    this.set({ iceRestarts: this.snap.iceRestarts + 1 });
    try {
      const r = await this.must("restartIce", { transportId: t.id });
      if (!t.closed) await t.restartIce({ iceParameters: r.iceParameters });
    } catch {
      // The grace timer rejoins.
    }
  }

  private async consumeAll() {
    if (!this.recv || !this.device) return;
    const r = await this.must("consume", { rtpCapabilities: this.device.rtpCapabilities });
    for (const c of r.consumers as { id: string; producerId: string; kind: "audio" | "video"; rtpParameters: types.RtpParameters }[]) {
      const consumer = await this.recv.consume({ id: c.id, producerId: c.producerId, kind: c.kind, rtpParameters: c.rtpParameters });
      // Only the newest track of a kind is shown (a presenter's republish replaces the old one).
      for (const old of this.consumers.values()) {
        if (old.kind === consumer.kind) {
          old.close();
          this.consumers.delete(old.id);
        }
      }
      this.consumers.set(consumer.id, consumer);
      await this.must("resumeConsumer", { consumerId: consumer.id });
    }
    this.publishTracks();
  }

  private publishTracks() {
    let video: MediaStreamTrack | null = null;
    let audio: MediaStreamTrack | null = null;
    for (const c of this.consumers.values()) {
      if (c.closed) continue;
      if (c.kind === "video") video = c.track;
      else audio = c.track;
    }
    this.set({ remoteVideo: video, remoteAudio: audio });
  }

  // ---- viewer -------------------------------------------------------------------------------------

  async setSaveData(enabled: boolean) {
    this.set({ saveData: enabled });
    if (this.snap.conn !== "joined") return;
    try {
      await this.must("saveData", { enabled });
    } catch (e) {
      this.fail(e);
    }
  }

  /** Audio only (or back to video): a new join on the same socket. */
  async setAudioOnly(audioOnly: boolean) {
    this.set({ audioOnly });
    if (this.socket?.connected) await this.serial(() => this.join()).catch((e) => this.fail(e));
    else if (this.snap.conn === "full" || this.snap.conn === "idle") await this.start();
  }

  async retry() {
    if (this.socket?.connected) await this.serial(() => this.join()).catch((e) => this.fail(e));
    else this.socket?.connect();
  }

  private startStats() {
    this.statsTimer = setInterval(() => void this.collectStats(), 2000);
  }

  private async collectStats() {
    const video = [...this.consumers.values()].find((c) => c.kind === "video" && !c.closed);
    if (!video) {
      if (this.snap.stats) this.set({ stats: null });
      return;
    }
    try {
      const report = await video.getStats();
      let framesDecoded = 0;
      let width: number | null = null;
      let height: number | null = null;
      let bytes = 0;
      report.forEach((s: any) => {
        if (s.type === "inbound-rtp" && s.kind === "video") {
          framesDecoded = s.framesDecoded ?? 0;
          width = s.frameWidth ?? null;
          height = s.frameHeight ?? null;
          bytes = s.bytesReceived ?? 0;
        }
      });
      // The consumer was replaced (rejoin) while we waited: these figures are stale.
      if (video.closed || !this.consumers.has(video.id)) return;
      const now = Date.now();
      const kbps = this.lastBytes && now > this.lastBytes.at ? Math.max(0, Math.round(((bytes - this.lastBytes.bytes) * 8) / (now - this.lastBytes.at))) : null;
      this.lastBytes = { at: now, bytes };
      let protocol: string | null = null;
      if (this.recv && !this.recv.closed) {
        const tr = await this.recv.getStats();
        tr.forEach((s: any) => {
          if (s.type === "transport" && s.selectedCandidatePairId) {
            const pair = tr.get(s.selectedCandidatePairId);
            const local = pair ? tr.get(pair.localCandidateId) : undefined;
            protocol = local?.protocol ?? null;
          }
        });
      }
      if (video.closed || !this.consumers.has(video.id)) return;
      this.set({ stats: { consumerId: video.id, framesDecoded, width, height, kbps, protocol } });
    } catch {
      // A consumer closed under us; the next tick tries again.
    }
  }

  // ---- presenter ----------------------------------------------------------------------------------

  async listDevices() {
    const all = await navigator.mediaDevices.enumerateDevices();
    this.set({ devices: { cameras: all.filter((d) => d.kind === "videoinput"), mics: all.filter((d) => d.kind === "audioinput") } });
  }

  /** A device problem (no camera, permission refused, screen share cancelled) shown to the presenter. */
  reportMediaError(e: unknown) {
    const text = String((e as Error)?.message ?? e);
    this.set({ error: { code: "media-devices", detail: text } });
  }

  private async openCamera(run: number) {
    const audio = this.snap.micId ? { deviceId: { exact: this.snap.micId } } : true;
    const video = this.snap.cameraId ? { deviceId: { exact: this.snap.cameraId }, width: { ideal: 1280 }, height: { ideal: 720 } } : { width: { ideal: 1280 }, height: { ideal: 720 } };
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio, video });
    } catch (e) {
      // No camera (or it is refused): present with the microphone alone, and say why.
      stream = await navigator.mediaDevices.getUserMedia({ audio });
      this.reportMediaError(e);
    }
    if (run !== this.runs) {
      // dispose() has already stopped what it knew of; nothing else would release the camera.
      stream.getTracks().forEach((t) => t.stop());
      return;
    }
    this.cameraStream = stream;
    const v = stream.getVideoTracks()[0] ?? null;
    const a = stream.getAudioTracks()[0] ?? null;
    this.set({
      localVideo: v,
      localAudio: a,
      source: "camera",
      cameraId: v?.getSettings().deviceId ?? this.snap.cameraId,
      micId: a?.getSettings().deviceId ?? this.snap.micId,
    });
    await this.listDevices().catch(() => {});
  }

  private async publish() {
    if (!this.send) return;
    const { localVideo, localAudio } = this.snap;
    if (localVideo) {
      this.videoProducer = await this.send.produce({
        track: localVideo,
        encodings: SIMULCAST,
        codecOptions: { videoGoogleStartBitrate: 1000 },
        stopTracks: false,
        appData: { source: this.snap.source },
      });
      if (this.snap.cameraOff) await this.pauseProducer(this.videoProducer, true);
    }
    if (localAudio) {
      this.audioProducer = await this.send.produce({ track: localAudio, stopTracks: false, codecOptions: { opusDtx: true }, appData: { source: "microphone" } });
      if (this.snap.micMuted) await this.pauseProducer(this.audioProducer, true);
    }
    this.set({ producing: { audio: !!this.audioProducer, video: !!this.videoProducer } });
  }

  private async pauseProducer(p: types.Producer, paused: boolean) {
    if (paused) p.pause();
    else p.resume();
    await this.must("pauseProducer", { producerId: p.id, paused });
  }

  async setMicMuted(muted: boolean) {
    this.set({ micMuted: muted });
    if (this.audioProducer && !this.audioProducer.closed) await this.pauseProducer(this.audioProducer, muted).catch((e) => this.fail(e));
  }

  async setCameraOff(off: boolean) {
    this.set({ cameraOff: off });
    if (this.videoProducer && !this.videoProducer.closed) await this.pauseProducer(this.videoProducer, off).catch((e) => this.fail(e));
  }

  /** Swaps the track under the producer: viewers keep their consumer, the picture changes. */
  private async useVideoTrack(track: MediaStreamTrack, source: "camera" | "screen") {
    if (this.videoProducer && !this.videoProducer.closed) await this.videoProducer.replaceTrack({ track });
    this.set({ localVideo: track, source });
    if (!this.videoProducer && this.send && !this.send.closed) await this.serial(() => this.join());
  }

  async chooseCamera(deviceId: string) {
    this.set({ cameraId: deviceId });
    if (this.snap.source !== "camera") return;
    const stream = await navigator.mediaDevices.getUserMedia({ video: { deviceId: { exact: deviceId }, width: { ideal: 1280 }, height: { ideal: 720 } } });
    const old = this.snap.localVideo;
    await this.useVideoTrack(stream.getVideoTracks()[0], "camera");
    old?.stop();
  }

  async chooseMic(deviceId: string) {
    this.set({ micId: deviceId });
    const stream = await navigator.mediaDevices.getUserMedia({ audio: { deviceId: { exact: deviceId } } });
    const track = stream.getAudioTracks()[0];
    const old = this.snap.localAudio;
    if (this.audioProducer && !this.audioProducer.closed) await this.audioProducer.replaceTrack({ track });
    this.set({ localAudio: track });
    old?.stop();
  }

  async shareScreen() {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 30 } }, audio: false });
    const track = stream.getVideoTracks()[0];
    this.screenTrack = track;
    // The browser's own "stop sharing" button brings the camera back.
    track.addEventListener("ended", () => {
      if (this.screenTrack === track) void this.useCamera().catch((e) => this.fail(e));
    });
    const old = this.snap.localVideo;
    await this.useVideoTrack(track, "screen");
    if (old && old !== track) old.stop();
  }

  async useCamera() {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: this.snap.cameraId ? { deviceId: { exact: this.snap.cameraId }, width: { ideal: 1280 }, height: { ideal: 720 } } : { width: { ideal: 1280 }, height: { ideal: 720 } },
    });
    const screen = this.screenTrack;
    this.screenTrack = null;
    await this.useVideoTrack(stream.getVideoTracks()[0], "camera");
    screen?.stop();
  }

  async startBroadcast() {
    try {
      const r = await this.must("startSession", {});
      this.set({ sessionState: r.state ?? "live", startedAt: r.startedAt ?? Date.now() });
    } catch (e) {
      this.fail(e);
    }
  }

  /** Presenter: start or stop recording (the server records and tells everyone). */
  async setRecording(on: boolean) {
    try {
      const r = on ? await this.must("startRecording", {}) : await this.must("stopRecording", {});
      this.set({ recording: r });
    } catch (e) {
      this.fail(e);
    }
  }

  async endBroadcast() {
    try {
      await this.must("endSession", {});
    } catch (e) {
      this.fail(e);
    }
    this.finish("ended");
  }

  async startPoll(question: string) {
    try {
      const r = await this.must("startPoll", { question, seconds: 120 });
      this.set({ lastPoll: { pollId: r.pollId, closesAt: r.closesAt } });
    } catch (e) {
      this.fail(e);
    }
  }

  async answerPoll(answer: string) {
    const poll = this.snap.poll;
    if (!poll) return;
    try {
      await this.must("pollAnswer", { pollId: poll.pollId, answer });
      this.set({ poll: { ...poll, answered: true } });
    } catch (e) {
      this.fail(e);
    }
  }

  // ---- chat and Q&A ----------------------------------------------------------------------------------

  /** A new or moderated message; a stub `{ id, hidden: true }` (what viewers get) removes it. */
  private upsertChat(m: ChatMessage | { id: string; hidden: true }) {
    if (!m || typeof m.id !== "string") return;
    const i = this.snap.chat.findIndex((x) => x.id === m.id);
    if (!("text" in m)) {
      if (i >= 0) this.set({ chat: this.snap.chat.filter((x) => x.id !== m.id) });
      return;
    }
    let chat: ChatMessage[];
    if (i >= 0) {
      chat = this.snap.chat.slice();
      chat[i] = m;
    } else {
      // Unhidden messages come back in their place (by time).
      chat = [...this.snap.chat, m].sort((a, b) => a.at - b.at).slice(-CHAT_KEEP);
    }
    this.set({ chat });
  }

  private async chatRequest<E extends "chatSend" | "chatModerate">(event: E, payload: ClientPayload<E>): Promise<ChatResult> {
    try {
      if (!this.socket?.connected) return { ok: false, code: "unreachable" };
      const r = await this.request(event, payload);
      if (isRefused(r)) return { ok: false, code: r.error, retryAfterMs: r.retryAfterMs };
      return { ok: true };
    } catch {
      return { ok: false, code: "unreachable" };
    }
  }

  sendChat(text: string, question: boolean): Promise<ChatResult> {
    return this.chatRequest("chatSend", { text, question });
  }

  moderateChat(messageId: string, action: ChatAction, answer?: string): Promise<ChatResult> {
    // An empty answer is refused by the server's schema, like any other invalid payload.
    return this.chatRequest("chatModerate", action === "answer" ? { messageId, action, answer: answer ?? "" } : { messageId, action });
  }

  // ---- cell room ----------------------------------------------------------------------------------

  async checkin(memberIds: number[]) {
    if (memberIds.length === 0) return;
    // Shown at once (the tick stays where the secretary put it); refusals are rolled back below.
    for (const id of memberIds) this.wanted.add(id);
    this.set({ checkedIn: [...this.wanted], pendingCheck: [...new Set([...this.snap.pendingCheck, ...memberIds])] });
    try {
      const r = await this.must("checkin", { memberIds, eventId: uuid() });
      const refused = new Set<number>(r.refused ?? []);
      for (const id of refused) this.wanted.delete(id);
      if (refused.size) this.set({ error: { code: "checkin-refused" } });
    } catch (e) {
      // Offline: kept, and sent again on rejoin. Refused while connected: rolled back.
      if (this.socket?.connected) for (const id of memberIds) this.wanted.delete(id);
      this.fail(e);
    } finally {
      this.set({ checkedIn: [...this.wanted], pendingCheck: this.snap.pendingCheck.filter((id) => !memberIds.includes(id)) });
    }
  }

  async checkout(memberIds: number[]) {
    if (memberIds.length === 0) return;
    for (const id of memberIds) this.wanted.delete(id);
    this.set({ checkedIn: [...this.wanted], pendingCheck: [...new Set([...this.snap.pendingCheck, ...memberIds])] });
    try {
      await this.must("checkout", { memberIds, eventId: uuid() });
    } catch (e) {
      this.fail(e);
    } finally {
      this.set({ checkedIn: [...this.wanted], pendingCheck: this.snap.pendingCheck.filter((id) => !memberIds.includes(id)) });
    }
  }

  // ---- leaving --------------------------------------------------------------------------------------

  private finish(conn: "ended" | "replaced" | "left") {
    this.stopped = true;
    this.dropMedia();
    if (conn === "ended") this.set({ sessionState: "ended" });
    this.set({ conn });
    this.socket?.disconnect();
    this.stopLocal();
  }

  private stopLocal() {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = null;
    this.cameraStream?.getTracks().forEach((t) => t.stop());
    this.snap.localVideo?.stop();
    this.snap.localAudio?.stop();
    this.screenTrack?.stop();
    this.set({ localVideo: null, localAudio: null });
  }

  /** Leaves on purpose: a cell room checks everyone out first, then the server closes our interval. */
  async leave() {
    try {
      if (this.opts.role === "cell-room" && this.wanted.size && this.socket?.connected) await this.checkout([...this.wanted]);
      if (this.socket?.connected) await this.request("leave", {});
    } catch {
      // Closing the socket closes the interval too.
    }
    this.finish("left");
  }

  /** The page is going away (navigation, unmount): close without waiting. */
  dispose() {
    this.stopped = true;
    this.runs++;
    this.dropMedia();
    this.socket?.disconnect();
    this.socket = null;
    this.stopLocal();
    this.listeners.clear();
  }
}
