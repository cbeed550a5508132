import { data, type HeadersFunction, type LinksFunction, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useEffect, useState, type ComponentType } from "react";
import { z } from "zod";
import { notFound, requireUser } from "#app/auth/permissions.server.ts";
import { parseId, readSearch } from "#app/http/forms.server.ts";
import { placeSocket } from "#app/live/placement.server.ts";
import { cellRoster, joinAccess, mintJoinToken, resolveMode, sessionTargets } from "#app/live/sessions.server.ts";
import { LOBBY_OPENS_BEFORE_MS } from "#app/live/constants.ts";
import { makeUpFor } from "#app/live/recordings.server.ts";
import { MakeUpStudy } from "#app/live/make-up.tsx";
import type { LiveRoomProps } from "#app/live/live-room.client.tsx";
import { Countdown, DocumentLink, StateBadge, useNow } from "#app/live/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";
import liveStyles from "#app/styles/live.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: liveStyles }];
// The page carries a join token: never cached, never stored by a proxy.
export const headers: HeadersFunction = () => ({ "Cache-Control": "private, no-store" });

const searchSchema = z.object({
  mode: z.enum(["presenter", "viewer", "cell-room"]).optional(),
  cell: z.coerce.number().int().positive().optional(),
});

/**
 * Lobby, viewer, presenter and cell room of one session. Only invited members and presenters
 * get the page (404 otherwise, like a missing session); the join token is minted here for the
 * mode shown, and /api/live/:id/token renews it for reconnections.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { member } = await requireUser(request, context);
  const id = parseId(params.sessionId);
  const access = await joinAccess(context.db, id, member);
  if (!access) notFound();
  const q = readSearch(request, searchSchema);
  const mode = q.mode ?? (access.presenter ? "presenter" : "viewer");
  const resolved = await resolveMode(context.db, access, member, mode, q.cell ?? null);
  if (!resolved) notFound();
  const s = access.session;
  const secret = context.env.JOIN_TOKEN_SECRET;
  // Several media nodes: the socket goes where placement reserved room for it (ADR 0016).
  const placed = secret && s.state !== "ended" ? await placeSocket(context.env.REDIS_URL, s.id, resolved.role, { group: resolved.committee }) : undefined;
  const minted = secret && placed && !placed.full ? mintJoinToken(secret, member, s.id, resolved.role, resolved.unitId, Date.now(), placed.node) : null;
  const makeUp = s.state === "ended" ? await makeUpFor(context.db, s.id, member.id, context.env.RECONNECT_WINDOW_SECONDS * 1000) : undefined;
  const tokenParams = new URLSearchParams({ mode: resolved.role });
  if (resolved.cell) tokenParams.set("cell", String(resolved.cell.id));
  return data(
    {
      session: {
        id: s.id,
        title: s.title,
        description: s.description,
        documentUrl: s.documentUrl,
        state: s.state,
        start: s.scheduledStartAt.getTime(),
        end: s.plannedEndAt.getTime(),
        actualStart: s.actualStartAt?.getTime() ?? null,
        actualEnd: s.actualEndAt?.getTime() ?? null,
      },
      presenters: (await sessionTargets(context.db, s.id)).presenters.map((p) => p.fullName),
      mode: resolved.role,
      cell: resolved.cell,
      options: { presenter: access.presenter, invited: access.invited, cells: access.cells },
      token: minted?.token ?? null,
      tokenExpiresAt: minted?.expiresAt ?? null,
      node: minted?.node ?? null,
      full: !!placed?.full,
      tokenUrl: `/api/live/${s.id}/token?${tokenParams}`,
      configured: !!secret,
      roster: resolved.role === "cell-room" ? await cellRoster(context.db, s.id, resolved.unitId) : [],
      makeUp: makeUp
        ? { minPercent: makeUp.recording.makeUpMinPercent, percent: makeUp.watch.percent, madeUp: !!makeUp.watch.madeUpAt }
        : null,
      now: Date.now(),
    },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

const SAVE_DATA_KEY = "hocso.live.saveData";

export default function LiveSessionPage() {
  const d = useLoaderData<typeof loader>();
  // A different mode or cell is a different room: start fresh.
  return <SessionView key={`${d.session.id}:${d.mode}:${d.cell?.id ?? ""}`} />;
}

function SessionView() {
  const { t, formatDate } = useT();
  const d = useLoaderData<typeof loader>();
  const now = useNow(d.now);
  const [Room, setRoom] = useState<ComponentType<LiveRoomProps> | null>(null);
  const [joined, setJoined] = useState(false);
  const [left, setLeft] = useState(false);
  const [audioOnly, setAudioOnly] = useState(false);
  const [saveData, setSaveData] = useState(false);
  // The room reports the state it sees (started, ended) so the header follows without a reload.
  const [liveState, setLiveState] = useState<"scheduled" | "live" | "ended" | null>(null);
  useEffect(() => {
    // mediasoup-client and socket.io need the browser: loaded only here.
    void import("#app/live/live-room.client.tsx").then((m) => setRoom(() => m.LiveRoom));
    setSaveData(window.localStorage?.getItem(SAVE_DATA_KEY) === "1");
  }, []);
  const s = { ...d.session, state: liveState ?? d.session.state };
  const presenter = d.mode === "presenter";
  const lobbyOpen = presenter || s.state === "live" || now >= s.start - LOBBY_OPENS_BEFORE_MS;
  const canJoin = !!d.token && !!Room && s.state !== "ended" && lobbyOpen;
  const rememberSaveData = (v: boolean) => {
    setSaveData(v);
    try {
      window.localStorage.setItem(SAVE_DATA_KEY, v ? "1" : "0");
    } catch {
      // Private mode: the switch still works for this visit.
    }
  };
  const modeLink = (mode: string) => `/live/${s.id}?mode=${mode}`;

  return (
    <div className="live-page">
      <p className="muted small">
        <Link to="/live">← {t("live.list.title")}</Link>
      </p>
      <header className="live-head">
        <h1>{s.title}</h1>
        <p>
          <StateBadge state={s.state} start={s.start} now={now} />{" "}
          <span className="muted small">
            {formatDate(s.start, { dateStyle: "full", timeStyle: "short" })} – {formatDate(s.end, { timeStyle: "short" })}
          </span>
        </p>
        {d.presenters.length > 0 ? <p className="small">{t("live.page.presenters", { names: d.presenters.join(", ") })}</p> : null}
        {s.description ? <p className="live-description">{s.description}</p> : null}
        <DocumentLink url={s.documentUrl} />
      </header>

      {(d.options.presenter && d.options.invited) || d.options.cells.length > 0 ? (
        <nav className="live-modes card" aria-label={t("live.page.modes")}>
          <span className="muted small">{t("live.page.modes")}:</span>
          {d.options.presenter ? (
            <Link to={modeLink("presenter")} aria-current={d.mode === "presenter" ? "page" : undefined} className={d.mode === "presenter" ? "current" : ""}>
              {t("live.mode.presenter")}
            </Link>
          ) : null}
          {d.options.invited ? (
            <Link to={modeLink("viewer")} aria-current={d.mode === "viewer" ? "page" : undefined} className={d.mode === "viewer" ? "current" : ""}>
              {t("live.mode.viewer")}
            </Link>
          ) : null}
          {d.options.cells.length > 0 ? (
            <Form method="get" className="cell-pick">
              <input type="hidden" name="mode" value="cell-room" />
              <label htmlFor="cell">{t("live.mode.cellRoom")}</label>
              <select id="cell" name="cell" defaultValue={d.cell?.id ?? d.options.cells[0].id}>
                {d.options.cells.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name} ({c.code})
                  </option>
                ))}
              </select>
              <button type="submit" className="secondary" data-testid="open-cell-room">
                {t("live.mode.openCellRoom")}
              </button>
            </Form>
          ) : null}
        </nav>
      ) : null}

      {d.mode === "cell-room" && d.cell ? <p className="notice notice-ok">{t("live.page.cellRoomIntro", { cell: d.cell.name })}</p> : null}

      {s.state === "ended" ? (
        <>
          <section className="card" data-testid="session-ended">
            <p>{t("live.page.ended")}</p>
          </section>
          {d.makeUp ? <MakeUpStudy sessionId={s.id} {...d.makeUp} /> : null}
        </>
      ) : !d.configured ? (
        <p className="notice notice-error">{t("live.page.unconfigured")}</p>
      ) : d.full ? (
        <p className="notice notice-error" data-testid="session-full">
          {t("live.refusal.session-full-retry")}
        </p>
      ) : joined && Room && d.token && d.tokenExpiresAt ? (
        <Room
          sessionId={s.id}
          role={d.mode}
          token={d.token}
          tokenExpiresAt={d.tokenExpiresAt}
          tokenUrl={d.tokenUrl}
          node={d.node}
          initialSessionState={s.state}
          audioOnly={audioOnly}
          saveData={saveData}
          roster={d.roster}
          cellName={d.cell?.name ?? null}
          onLeft={() => {
            setJoined(false);
            setLeft(true);
          }}
          onSessionState={setLiveState}
        />
      ) : (
        <section className="card live-lobby" aria-labelledby="lobby-title">
          <h2 id="lobby-title">{t("live.lobby.title")}</h2>
          {left ? <p className="notice notice-ok">{t("live.lobby.left")}</p> : null}
          {s.state === "scheduled" && s.start > now ? (
            <p className="live-countdown">
              {t("live.lobby.startsIn")} <Countdown to={s.start} now={now} />
            </p>
          ) : s.state === "scheduled" ? (
            <p>{t("live.lobby.waiting")}</p>
          ) : (
            <p>{t("live.lobby.liveNow")}</p>
          )}
          {!lobbyOpen ? <p className="muted">{t("live.lobby.opensAt", { time: formatDate(s.start - LOBBY_OPENS_BEFORE_MS, { timeStyle: "short" }) })}</p> : null}
          {presenter ? (
            <p className="muted small">{t("live.lobby.presenterHint")}</p>
          ) : (
            <div className="live-options">
              {d.mode === "viewer" ? (
                <label className="switch">
                  <input type="checkbox" checked={audioOnly} onChange={(e) => setAudioOnly(e.currentTarget.checked)} />
                  <span>{t("live.lobby.audioOnly")}</span>
                </label>
              ) : null}
              <label className="switch">
                <input type="checkbox" checked={saveData} onChange={(e) => rememberSaveData(e.currentTarget.checked)} />
                <span>{t("live.room.saveData")}</span>
              </label>
            </div>
          )}
          <button type="button" disabled={!canJoin} onClick={() => setJoined(true)} data-testid="join">
            {presenter ? t("live.lobby.joinPresenter") : d.mode === "cell-room" ? t("live.lobby.joinCellRoom") : t("live.lobby.join")}
          </button>
          {!Room ? <p className="muted small">{t("live.lobby.loading")}</p> : null}
        </section>
      )}
    </div>
  );
}
