/**
 * The live room UI (browser only, loaded with a dynamic import once the member presses "join"):
 * the stage (remote video or the presenter's self-view), the viewer's save-data and audio-only
 * switches, the reconnect indicator, the presenter's controls, the cell room's tick list, and the
 * chat/Q&A panel (message text is only ever rendered as React text, never as HTML).
 */
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { useT } from "#app/i18n/use-t.ts";
import type { PlainKey } from "#app/i18n/catalog.ts";
import { isRefusal } from "#live/refusals.ts";
import type { ChatAction, ChatMessage } from "#live/wire.ts";
import { LiveConnection, type ChatResult, type LiveOptions, type Snapshot } from "./live-connection.client.ts";
import { refusalKey } from "./refusal-text.ts";
import { toLocalStamp } from "#app/common/vietnam-time.ts";
import { CheckinQr } from "./checkin-qr.client.tsx";
import { DataTable } from "#app/components/data-table.tsx";

export type RosterMember = { id: number; code: string; fullName: string };

/** The room connects as LiveOptions say (session, role, token and where to renew it, node). */
export type LiveRoomProps = Pick<LiveOptions, "sessionId" | "role" | "token" | "tokenExpiresAt" | "tokenUrl" | "node"> & {
  initialSessionState: "scheduled" | "live" | "ended";
  audioOnly: boolean;
  saveData: boolean;
  roster: RosterMember[];
  cellName: string | null;
  onLeft: () => void;
  /** The session's state as the media server reports it (the page's header follows it). */
  onSessionState?: (state: "scheduled" | "live" | "ended") => void;
};

function TrackVideo({ track, muted = true, mirror = false, testId, hidden = false }: { track: MediaStreamTrack | null; muted?: boolean; mirror?: boolean; testId: string; hidden?: boolean }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = track ? new MediaStream([track]) : null;
    if (track) void el.play().catch(() => {});
  }, [track]);
  return (
    <video
      ref={ref}
      className={`live-video${mirror ? " mirror" : ""}${hidden ? " is-hidden" : ""}`}
      data-testid={testId}
      autoPlay
      playsInline
      muted={muted}
    />
  );
}

function TrackAudio({ track, muted }: { track: MediaStreamTrack | null; muted: boolean }) {
  const ref = useRef<HTMLAudioElement>(null);
  const [blocked, setBlocked] = useState(false);
  const { t } = useT();
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = track ? new MediaStream([track]) : null;
    if (track) el.play().then(() => setBlocked(false), () => setBlocked(true));
  }, [track]);
  return (
    <>
      <audio ref={ref} autoPlay muted={muted} data-testid="remote-audio" />
      {blocked ? (
        <button type="button" className="secondary" onClick={() => ref.current?.play().then(() => setBlocked(false), () => {})}>
          {t("live.room.enableSound")}
        </button>
      ) : null}
    </>
  );
}

const CONN_KEYS: Record<Snapshot["conn"], PlainKey> = {
  idle: "live.conn.idle",
  connecting: "live.conn.connecting",
  joined: "live.conn.joined",
  reconnecting: "live.conn.reconnecting",
  refused: "live.conn.refused",
  full: "live.conn.full",
  ended: "live.conn.ended",
  replaced: "live.conn.replaced",
  left: "live.conn.left",
};

const LOCAL_ERRORS: Record<string, PlainKey> = {
  unreachable: "live.error.unreachable",
  "checkin-refused": "live.error.checkinRefused",
  "media-devices": "live.error.mediaDevices",
  replaced: "live.error.replaced",
};

function ErrorLine({ error }: { error: Snapshot["error"] }) {
  const { t } = useT();
  if (!error) return null;
  let text: string;
  if (error.code === "media-devices") text = `${t("live.error.mediaDevices")}${error.detail ? `: ${error.detail}` : ""}`;
  else if (isRefusal(error.code)) text = t(refusalKey(error.code, error));
  else if (LOCAL_ERRORS[error.code]) text = t(LOCAL_ERRORS[error.code]);
  else text = t("live.error.generic", { code: error.code });
  return (
    <p className="notice notice-error" role="alert" data-testid="live-error">
      {text}
    </p>
  );
}

export function LiveRoom(props: LiveRoomProps) {
  const { t } = useT();
  const conn = useMemo(
    () =>
      new LiveConnection({
        sessionId: props.sessionId,
        role: props.role,
        token: props.token,
        tokenExpiresAt: props.tokenExpiresAt,
        tokenUrl: props.tokenUrl,
        node: props.node ?? null,
        audioOnly: props.audioOnly,
        saveData: props.saveData,
      }),
    // One connection per mounted room.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [],
  );
  const s = useSyncExternalStore(conn.subscribe, conn.getSnapshot, conn.getSnapshot);
  useEffect(() => {
    void conn.start();
    return () => conn.dispose();
  }, [conn]);
  useEffect(() => {
    if (s.conn === "left") props.onLeft();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [s.conn]);
  const sessionState = s.conn === "idle" || s.conn === "connecting" ? props.initialSessionState : s.sessionState;
  useEffect(() => {
    props.onSessionState?.(sessionState);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sessionState]);
  const live = sessionState === "live";
  const stageRef = useRef<HTMLDivElement>(null);
  const presenter = props.role === "presenter";

  return (
    <div
      className="live-room"
      data-role={props.role}
      data-conn={s.conn}
      data-node={s.node ?? ""}
      data-session-state={sessionState}
      data-ice-restarts={s.iceRestarts}
      data-recovered-by={s.recoveredBy ?? ""}
    >
      <div className="live-status" role="status" aria-live="polite">
        <span className={`badge conn-${s.conn}`} data-testid="conn-state">
          {t(CONN_KEYS[s.conn])}
        </span>
        <span className={`badge ${live ? "badge-live" : ""}`} data-testid="session-state">
          {t(`live.state.${sessionState}`)}
        </span>
        {s.recording.active ? (
          <span className="live-recording-badge" data-testid="recording-on">
            ● {t("recording.room.on")}
          </span>
        ) : null}
        {s.conn === "reconnecting" ? <span className="spinner" aria-hidden="true" /> : null}
        {s.rejoins > 0 ? <span className="muted small">{t("live.room.rejoins", { count: s.rejoins })}</span> : null}
      </div>
      <ErrorLine error={s.error} />
      {s.conn === "full" ? (
        <div className="card">
          {s.audioOnlyOffered ? (
            <button type="button" onClick={() => void conn.setAudioOnly(true)} data-testid="join-audio-only">
              {t("live.room.joinAudioOnly")}
            </button>
          ) : null}{" "}
          <button type="button" className="secondary" onClick={() => void conn.retry()}>
            {t("live.room.retry")}
          </button>
        </div>
      ) : null}

      <div className="live-layout">
        <div className="live-stage-wrap">
          <div className="live-stage" ref={stageRef}>
            {presenter ? (
              <TrackVideo track={s.localVideo} mirror={s.source === "camera"} testId="self-view" />
            ) : s.audioOnly ? (
              <div className="live-audio-only">{t("live.room.audioOnlyStage")}</div>
            ) : (
              <TrackVideo track={s.remoteVideo} testId="remote-video" hidden={!live} />
            )}
            {!presenter && !live && s.conn !== "ended" ? <div className="live-overlay">{t("live.room.waitingPresenter")}</div> : null}
            {!presenter && live && !s.remoteVideo && !s.audioOnly && s.conn === "joined" ? <div className="live-overlay">{t("live.room.noVideoYet")}</div> : null}
            {presenter && !s.localVideo ? <div className="live-overlay">{t("live.room.noCamera")}</div> : null}
          </div>
          {!presenter ? <TrackAudio track={s.remoteAudio} muted={!live} /> : null}
          {!presenter ? (
            <div className="live-controls">
              <ViewerControls conn={conn} s={s} stage={stageRef} />
              <LeaveButton conn={conn} s={s} />
            </div>
          ) : null}
          {s.poll && !presenter ? (
            <div className="card live-poll" role="alertdialog" aria-label={t("live.poll.title")}>
              <p>
                <strong>{t("live.poll.title")}</strong> {s.poll.question}
              </p>
              {s.poll.answered ? (
                <p className="notice notice-ok">{t("live.poll.answered")}</p>
              ) : (
                <button type="button" onClick={() => void conn.answerPoll(t("live.poll.here"))} data-testid="poll-answer">
                  {t("live.poll.here")}
                </button>
              )}
            </div>
          ) : null}
          {!presenter ? <StatsPanel s={s} /> : null}
        </div>
        <div className="live-side-col">
          {presenter ? <PresenterPanel conn={conn} s={s} live={live} /> : null}
          {props.role === "cell-room" ? <CellRoster conn={conn} s={s} roster={props.roster} cellName={props.cellName} sessionId={props.sessionId} /> : null}
          <ChatPanel conn={conn} s={s} presenter={presenter} />
        </div>
      </div>
    </div>
  );
}

function LeaveButton({ conn, s }: { conn: LiveConnection; s: Snapshot }) {
  const { t } = useT();
  if (s.conn === "left" || s.conn === "ended" || s.conn === "replaced") return null;
  return (
    <button type="button" className="danger" onClick={() => void conn.leave()} data-testid="leave">
      {t("live.room.leave")}
    </button>
  );
}

function ViewerControls({ conn, s, stage }: { conn: LiveConnection; s: Snapshot; stage: React.RefObject<HTMLDivElement | null> }) {
  const { t } = useT();
  return (
    <>
      <label className="switch">
        <input type="checkbox" checked={s.saveData} onChange={(e) => void conn.setSaveData(e.currentTarget.checked)} data-testid="save-data" />
        <span>{t("live.room.saveData")}</span>
      </label>
      <label className="switch">
        <input type="checkbox" checked={s.audioOnly} onChange={(e) => void conn.setAudioOnly(e.currentTarget.checked)} data-testid="audio-only" />
        <span>{t("live.room.audioOnly")}</span>
      </label>
      <button type="button" className="secondary" onClick={() => void stage.current?.requestFullscreen?.().catch(() => {})}>
        {t("live.room.fullscreen")}
      </button>
    </>
  );
}

function StatsPanel({ s }: { s: Snapshot }) {
  const { t } = useT();
  return (
    <details className="live-stats">
      <summary>{t("live.stats.title")}</summary>
      <dl>
        <dt>{t("live.stats.frames")}</dt>
        <dd data-testid="frames-decoded" data-consumer-id={s.stats?.consumerId ?? ""}>
          {s.stats?.framesDecoded ?? 0}
        </dd>
        <dt>{t("live.stats.resolution")}</dt>
        <dd data-testid="resolution">{s.stats?.width ? `${s.stats.width}×${s.stats.height}` : "—"}</dd>
        <dt>{t("live.stats.bitrate")}</dt>
        <dd>{s.stats?.kbps != null ? `${s.stats.kbps} kbit/s` : "—"}</dd>
        <dt>{t("live.stats.layer")}</dt>
        <dd data-testid="video-layer">{s.layer ?? "—"}</dd>
        <dt>{t("live.stats.network")}</dt>
        <dd data-testid="network-protocol">{s.stats?.protocol ?? "—"}</dd>
        <dt>{t("live.stats.transport")}</dt>
        <dd data-testid="transport-state">{s.transport}</dd>
      </dl>
    </details>
  );
}

function PresenterPanel({ conn, s, live }: { conn: LiveConnection; s: Snapshot; live: boolean }) {
  const { t } = useT();
  const [confirmEnd, setConfirmEnd] = useState(false);
  const joined = s.conn === "joined";
  // Phones have no screen sharing.
  const canShareScreen = typeof navigator !== "undefined" && typeof navigator.mediaDevices?.getDisplayMedia === "function";
  return (
    <aside className="live-side card" aria-label={t("live.presenter.controls")}>
      <h2>{t("live.presenter.controls")}</h2>
      <p className="muted small" data-testid="producing">
        {s.producing.video || s.producing.audio
          ? t("live.presenter.publishing", { what: [s.producing.video ? t("live.presenter.video") : null, s.producing.audio ? t("live.presenter.audio") : null].filter(Boolean).join(" + ") })
          : t("live.presenter.notPublishing")}
      </p>
      <div className="button-row">
        {!live ? (
          <button type="button" disabled={!joined || s.sessionState === "ended"} onClick={() => void conn.startBroadcast()} data-testid="start-broadcast">
            {t("live.presenter.start")}
          </button>
        ) : confirmEnd ? (
          <>
            <button type="button" className="danger" onClick={() => void conn.endBroadcast()} data-testid="confirm-end">
              {t("live.presenter.confirmEnd")}
            </button>
            <button type="button" className="secondary" onClick={() => setConfirmEnd(false)}>
              {t("common.cancel")}
            </button>
          </>
        ) : (
          <button type="button" className="danger" onClick={() => setConfirmEnd(true)} data-testid="end-broadcast">
            {t("live.presenter.end")}
          </button>
        )}
      </div>
      <div className="button-row">
        <button
          type="button"
          className={s.recording.active ? "danger" : "secondary"}
          aria-pressed={s.recording.active}
          disabled={!joined || s.sessionState === "ended"}
          onClick={() => void conn.setRecording(!s.recording.active)}
          data-testid="toggle-recording"
        >
          {s.recording.active ? t("recording.room.stop") : t("recording.room.start")}
        </button>
      </div>
      <div className="button-row">
        <button type="button" className="secondary" aria-pressed={s.micMuted} onClick={() => void conn.setMicMuted(!s.micMuted)} data-testid="mute">
          {s.micMuted ? t("live.presenter.unmute") : t("live.presenter.mute")}
        </button>
        <button type="button" className="secondary" aria-pressed={s.cameraOff} onClick={() => void conn.setCameraOff(!s.cameraOff)}>
          {s.cameraOff ? t("live.presenter.cameraOn") : t("live.presenter.cameraOff")}
        </button>
        {s.source === "screen" ? (
          <button type="button" className="secondary" onClick={() => void conn.useCamera().catch((err) => conn.reportMediaError(err))} data-testid="use-camera">
            {t("live.presenter.useCamera")}
          </button>
        ) : canShareScreen ? (
          <button type="button" className="secondary" onClick={() => void conn.shareScreen().catch((err) => conn.reportMediaError(err))} data-testid="share-screen">
            {t("live.presenter.shareScreen")}
          </button>
        ) : null}
      </div>
      <p className="muted small" data-testid="source">
        {t("live.presenter.source")}: {s.source === "camera" ? t("live.presenter.sourceCamera") : t("live.presenter.sourceScreen")}
      </p>
      <div className="field">
        <label htmlFor="camera-pick">{t("live.presenter.camera")}</label>
        <select id="camera-pick" value={s.cameraId ?? ""} onChange={(e) => void conn.chooseCamera(e.currentTarget.value).catch((err) => conn.reportMediaError(err))}>
          {s.devices.cameras.map((d, i) => (
            <option key={d.deviceId || i} value={d.deviceId}>
              {d.label || `${t("live.presenter.camera")} ${i + 1}`}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="mic-pick">{t("live.presenter.mic")}</label>
        <select id="mic-pick" value={s.micId ?? ""} onChange={(e) => void conn.chooseMic(e.currentTarget.value).catch((err) => conn.reportMediaError(err))}>
          {s.devices.mics.map((d, i) => (
            <option key={d.deviceId || i} value={d.deviceId}>
              {d.label || `${t("live.presenter.mic")} ${i + 1}`}
            </option>
          ))}
        </select>
      </div>
      <h3>{t("live.presenter.audience")}</h3>
      <p className="audience-total">
        <strong data-testid="audience-people">{s.audience?.people ?? 0}</strong> {t("live.presenter.people")}
        <span className="muted small">
          {" "}
          {t("live.presenter.audienceDetail", { viewers: s.audience?.viewers ?? 0, rooms: s.audience?.cellRooms ?? 0, checkedIn: s.audience?.checkedIn ?? 0 })}
        </span>
      </p>
      {s.audience && s.audience.byUnit.length > 0 ? (
        <DataTable
          testId="audience-units"
          className="compact"
          rows={s.audience.byUnit}
          rowKey={(u) => u.unitId}
          columns={[
            { label: t("live.presenter.unit"), cell: (u) => u.name || u.code },
            { label: t("live.presenter.viewers"), cell: (u) => u.viewers },
            { label: t("live.presenter.inRooms"), cell: (u) => (u.cellRooms > 0 ? t("live.presenter.roomCount", { rooms: u.cellRooms, people: u.checkedIn }) : "—") },
          ]}
        />
      ) : null}
      <div className="button-row">
        <button type="button" className="secondary" disabled={!joined || !live} onClick={() => void conn.startPoll(t("live.poll.question"))} data-testid="start-poll">
          {t("live.poll.start")}
        </button>
      </div>
      {s.lastPoll ? <p className="muted small">{t("live.poll.sent")}</p> : null}
      <div className="button-row">
        <LeaveButton conn={conn} s={s} />
      </div>
    </aside>
  );
}

function CellRoster({
  conn,
  s,
  roster,
  cellName,
  sessionId,
}: {
  conn: LiveConnection;
  s: Snapshot;
  roster: RosterMember[];
  cellName: string | null;
  sessionId: number;
}) {
  const { t } = useT();
  const [filter, setFilter] = useState("");
  const checked = new Set(s.checkedIn);
  const pending = new Set(s.pendingCheck);
  const byQr = new Set(s.qrCheckedIn);
  const joined = s.conn === "joined";
  const fold = (v: string) => v.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  const shown = filter ? roster.filter((m) => fold(`${m.fullName} ${m.code}`).includes(fold(filter))) : roster;
  const notChecked = roster.filter((m) => !checked.has(m.id)).map((m) => m.id);
  return (
    <aside className="live-side card" aria-label={t("live.cell.title")}>
      <h2>{t("live.cell.title")}</h2>
      {cellName ? <p className="muted">{cellName}</p> : null}
      <p data-testid="checked-count">{t("live.cell.count", { checked: roster.filter((m) => checked.has(m.id)).length, total: roster.length })}</p>
      <div className="button-row">
        <button type="button" className="secondary" disabled={!joined || notChecked.length === 0} onClick={() => void conn.checkin(notChecked)}>
          {t("live.cell.checkAll")}
        </button>
      </div>
      {roster.length > 12 ? (
        <div className="field">
          <label htmlFor="roster-filter">{t("live.cell.filter")}</label>
          <input id="roster-filter" type="search" value={filter} onChange={(e) => setFilter(e.currentTarget.value)} />
        </div>
      ) : null}
      {!joined ? <p className="muted small">{t("live.cell.joinFirst")}</p> : null}
      <CheckinQr sessionId={sessionId} code={joined ? s.checkinCode : null} node={s.node} />
      <ul className="roster" data-testid="roster">
        {shown.map((m) => (
          <li key={m.id}>
            <label>
              <input
                type="checkbox"
                checked={checked.has(m.id)}
                disabled={!joined || pending.has(m.id)}
                onChange={(e) => void (e.currentTarget.checked ? conn.checkin([m.id]) : conn.checkout([m.id]))}
                data-member-code={m.code}
              />
              <span>
                {m.fullName} <span className="muted small">{m.code}</span>
                {byQr.has(m.id) && checked.has(m.id) ? (
                  <>
                    {" "}
                    <span className="badge" title={t("checkin.qr.badgeTitle")} data-testid="qr-badge">
                      {t("checkin.qr.badge")}
                    </span>
                  </>
                ) : null}
              </span>
            </label>
          </li>
        ))}
      </ul>
    </aside>
  );
}

/** The text of a refused chat action, in the page's language. */
function useChatError() {
  const { t } = useT();
  return (r: Exclude<ChatResult, { ok: true }>) => {
    if (r.code === "rate-limited" && r.retryAfterMs != null) return t("live.chat.rateLimited", { seconds: Math.max(1, Math.ceil(r.retryAfterMs / 1000)) });
    if (isRefusal(r.code)) return t(refusalKey(r.code));
    if (LOCAL_ERRORS[r.code]) return t(LOCAL_ERRORS[r.code]);
    return t("live.error.generic", { code: r.code });
  };
}

/** Pinned first (latest pin on top), then in arrival order. */
function chatOrder(messages: ChatMessage[]) {
  const pinned = messages.filter((m) => m.pinnedAt != null).sort((a, b) => b.pinnedAt! - a.pinnedAt!);
  const rest = messages.filter((m) => m.pinnedAt == null);
  return { pinned, rest };
}

function ChatPanel({ conn, s, presenter }: { conn: LiveConnection; s: Snapshot; presenter: boolean }) {
  const { t } = useT();
  const errorText = useChatError();
  const [text, setText] = useState("");
  const [question, setQuestion] = useState(false);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [onlyQuestions, setOnlyQuestions] = useState(false);
  const listRef = useRef<HTMLOListElement>(null);
  const joined = s.conn === "joined";
  const shown = onlyQuestions ? s.chat.filter((m) => m.question) : s.chat;
  const { pinned, rest } = chatOrder(shown);
  const trimmed = text.trim();

  // Keep the newest message in view, unless the reader scrolled up to read older ones.
  const lastId = rest.at(-1)?.id;
  useEffect(() => {
    const el = listRef.current;
    if (!el) return;
    if (el.scrollHeight - el.scrollTop - el.clientHeight < 120) el.scrollTop = el.scrollHeight;
  }, [lastId]);

  const send = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!trimmed || sending) return;
    setSending(true);
    const r = await conn.sendChat(trimmed, question);
    setSending(false);
    if (r.ok) {
      setText("");
      setQuestion(false);
      setError(null);
    } else setError(errorText(r));
  };

  return (
    <section className="live-chat card" aria-label={t("live.chat.title")} data-testid="chat">
      <div className="live-chat-head">
        <h2>{t("live.chat.title")}</h2>
        <label className="switch small">
          <input type="checkbox" checked={onlyQuestions} onChange={(e) => setOnlyQuestions(e.currentTarget.checked)} data-testid="chat-only-questions" />
          <span>{t("live.chat.onlyQuestions")}</span>
        </label>
      </div>
      {pinned.length > 0 ? (
        <ol className="chat-list chat-pinned" data-testid="chat-pinned">
          {pinned.map((m) => (
            <ChatItem key={m.id} m={m} conn={conn} presenter={presenter} mine={m.memberId === s.me} onError={setError} />
          ))}
        </ol>
      ) : null}
      <ol className="chat-list" ref={listRef} aria-live="polite" data-testid="chat-list">
        {rest.map((m) => (
          <ChatItem key={m.id} m={m} conn={conn} presenter={presenter} mine={m.memberId === s.me} onError={setError} />
        ))}
      </ol>
      {shown.length === 0 ? <p className="muted small">{t("live.chat.empty")}</p> : null}
      {error ? (
        <p className="notice notice-error small" role="alert" data-testid="chat-error">
          {error}
        </p>
      ) : null}
      {joined ? (
        <form className="chat-form" onSubmit={(e) => void send(e)}>
          <label htmlFor="chat-text" className="visually-hidden">
            {t("live.chat.label")}
          </label>
          <textarea
            id="chat-text"
            rows={2}
            maxLength={500}
            value={text}
            placeholder={t("live.chat.placeholder")}
            onChange={(e) => setText(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
                e.preventDefault();
                e.currentTarget.form?.requestSubmit();
              }
            }}
            data-testid="chat-text"
          />
          <div className="chat-form-row">
            <label className="switch">
              <input type="checkbox" checked={question} onChange={(e) => setQuestion(e.currentTarget.checked)} data-testid="chat-question" />
              <span>{t("live.chat.askQuestion")}</span>
            </label>
            <span className="muted small">{t("live.chat.chars", { count: text.length })}</span>
            <button type="submit" disabled={!trimmed || sending} data-testid="chat-send">
              {t("live.chat.send")}
            </button>
          </div>
        </form>
      ) : (
        <p className="muted small">{t("live.chat.joinFirst")}</p>
      )}
    </section>
  );
}

function ChatItem({ m, conn, presenter, mine, onError }: { m: ChatMessage; conn: LiveConnection; presenter: boolean; mine: boolean; onError: (e: string | null) => void }) {
  const { t } = useT();
  const errorText = useChatError();
  const [answering, setAnswering] = useState(false);
  const [answer, setAnswer] = useState("");
  const [busy, setBusy] = useState(false);
  const act = async (action: ChatAction, text?: string) => {
    setBusy(true);
    const r = await conn.moderateChat(m.id, action, text);
    setBusy(false);
    if (r.ok) {
      onError(null);
      if (action === "answer") {
        setAnswering(false);
        setAnswer("");
      }
    } else onError(errorText(r));
  };
  const cls = ["chat-item", m.question ? "is-question" : "", m.pinnedAt != null ? "is-pinned" : "", m.hidden ? "is-hidden" : "", mine ? "is-mine" : ""]
    .filter(Boolean)
    .join(" ");
  return (
    <li className={cls} data-testid="chat-message" data-message-id={m.id} data-question={m.question} data-hidden={m.hidden}>
      <div className="chat-meta">
        <strong className="chat-name">{m.name}</strong>
        {mine ? <span className="muted small"> {t("live.chat.you")}</span> : null}
        {m.unitName ? <span className="muted small"> · {m.unitName}</span> : null}
        <span className="muted small"> · {toLocalStamp(m.at).slice(11, 16)}</span>
        {m.question ? <span className="badge chat-badge-question">{t("live.chat.question")}</span> : null}
        {m.pinnedAt != null ? <span className="badge">{t("live.chat.pinned")}</span> : null}
        {m.hidden ? <span className="badge chat-badge-hidden">{t("live.chat.hiddenBadge")}</span> : null}
      </div>
      <p className="chat-text">{m.text}</p>
      {m.answer ? (
        <p className="chat-answer">
          <span className="muted small">{t("live.chat.answerBy", { name: m.answer.by })}</span> {m.answer.text}
        </p>
      ) : null}
      {presenter ? (
        <div className="chat-actions" role="group" aria-label={t("live.chat.moderate", { name: m.name })}>
          <button type="button" className="secondary small" disabled={busy} onClick={() => void act(m.hidden ? "unhide" : "hide")} data-testid="chat-hide">
            {m.hidden ? t("live.chat.unhide") : t("live.chat.hide")}
          </button>
          {!m.hidden ? (
            <button type="button" className="secondary small" disabled={busy} onClick={() => void act(m.pinnedAt != null ? "unpin" : "pin")} data-testid="chat-pin">
              {m.pinnedAt != null ? t("live.chat.unpin") : t("live.chat.pin")}
            </button>
          ) : null}
          <button type="button" className="secondary small" disabled={busy} aria-expanded={answering} onClick={() => setAnswering(!answering)} data-testid="chat-answer">
            {t("live.chat.answer")}
          </button>
        </div>
      ) : null}
      {presenter && answering ? (
        <form
          className="chat-answer-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (answer.trim()) void act("answer", answer.trim());
          }}
        >
          <label htmlFor={`answer-${m.id}`} className="visually-hidden">
            {t("live.chat.answerLabel")}
          </label>
          <textarea id={`answer-${m.id}`} rows={2} maxLength={1000} value={answer} onChange={(e) => setAnswer(e.currentTarget.value)} data-testid="chat-answer-text" />
          <button type="submit" disabled={busy || !answer.trim()} data-testid="chat-answer-send">
            {t("live.chat.saveAnswer")}
          </button>
        </form>
      ) : null}
    </li>
  );
}
