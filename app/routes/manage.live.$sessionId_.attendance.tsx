import { type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { z } from "zod";
import { notFound, requireManager } from "#app/auth/permissions.server.ts";
import { domainFailure, ok, parseId, readForm, readSearch } from "#app/http/forms.server.ts";
import { Field, Notice } from "#app/components/ui.tsx";
import { sessionAccess } from "#app/live/sessions.server.ts";
import { getUnit } from "#app/org/units.server.ts";
import { correctionTrail, filterRows, minutesOf, pageOf, recordCorrection, rollupTree, scopedReport, type Counts } from "#app/live/report.server.ts";
import type { MemberAttendance } from "#app/live/attendance.server.ts";
import { StatusBadge } from "#app/live/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";
import { CORRECTION_STATUSES, MAX_REASON } from "#app/live/constants.ts";
import liveStyles from "#app/styles/live.css?url";
import { DataTable } from "#app/components/data-table.tsx";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: liveStyles }];

const VIA_FILTERS = ["individual", "cell-room", "both"] as const satisfies readonly NonNullable<MemberAttendance["via"]>[];
const MAX_QUERY = 100;
/** The absentee list is a glance; the whole list is the table filtered by status. */
const ABSENTEES_SHOWN = 30;

/**
 * The page's query. Every field falls back to its default on a bad value, so a hand-edited or
 * stale link shows the page (unfiltered, page 1) instead of an error.
 */
const pageQuery = z.object({
  unit: z.coerce.number().int().positive().optional().catch(undefined),
  status: z.enum(CORRECTION_STATUSES).optional().catch(undefined),
  via: z.enum(VIA_FILTERS).optional().catch(undefined),
  q: z
    .string()
    .transform((s) => s.normalize("NFC").trim().slice(0, MAX_QUERY))
    .optional()
    .catch(undefined),
  page: z.coerce.number().int().positive().optional().catch(undefined),
});

/**
 * Attendance of one session, limited to the reader's scope: the counts and a roll-up by unit over
 * everyone; the invited members' status (and a correction beside it), minutes, %, how they
 * attended, first join and last leave, filtered and a page at a time; absentees; the corrections'
 * audit trail; exports (always every row). Live during the session (it refreshes itself), final after.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { scope } = await requireManager(request, context);
  const access = await sessionAccess(context.db, scope, parseId(params.sessionId));
  if (!access) notFound();
  const q = readSearch(request, pageQuery);
  const s = access.session;
  const rep = await scopedReport(context.db, scope, s.id, Date.now(), context.env.RECONNECT_WINDOW_SECONDS * 1000);
  if (!rep) notFound();
  const view = (await rollupTree(context.db, scope, rep.rows)).view(q.unit ?? null);
  if (q.unit && !view.root) notFound();
  const trail = await correctionTrail(context.db, s.id, new Set(rep.rows.map((r) => r.memberId)));
  const filter = { status: q.status ?? null, via: q.via ?? null, q: q.q ?? "" };
  // A unit chosen in the roll-up narrows the member table to its subtree too.
  const under = q.unit ? ((await getUnit(context.db, q.unit))?.path ?? null) : null;
  const table = pageOf(filterRows(rep.rows, { ...filter, under }), q.page ?? 1);
  return {
    session: { id: s.id, title: s.title, state: s.state, start: rep.start.getTime(), end: rep.end.getTime(), started: !!s.actualStartAt, rule: rep.rule },
    counts: rep.counts,
    rollup: view,
    unit: q.unit ?? null,
    unitName: q.unit ? (view.root?.name ?? null) : null,
    filter,
    table: { page: table.page, pages: table.pages, total: table.total, from: table.from, to: table.to },
    rows: table.rows.map((r) => ({
      memberId: r.memberId,
      code: r.code,
      fullName: r.fullName,
      unitCode: r.unitCode,
      unitName: r.unitName,
      status: r.status,
      corrected: r.corrected ? { status: r.corrected.status, reason: r.corrected.reason } : null,
      minutes: minutesOf(r.presentMs),
      percent: r.percent,
      via: r.via,
      firstJoin: r.firstJoin?.getTime() ?? null,
      lastLeave: r.lastLeave?.getTime() ?? null,
      makeUp: r.makeUp ? { percent: r.makeUp.percent, madeUp: !!r.makeUp.madeUpAt } : null,
    })),
    absentCount: rep.absentees.length,
    absentees: rep.absentees.slice(0, ABSENTEES_SHOWN).map((r) => ({ code: r.code, fullName: r.fullName, unitName: r.unitName, excused: r.corrected?.status === "excused" })),
    trail: trail.map((c) => ({ ...c, at: c.at.getTime() })),
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { session, scope } = await requireManager(request, context);
  const id = parseId(params.sessionId);
  if (!await sessionAccess(context.db, scope, id)) notFound();
  const f = await readForm(
    request,
    z.object({ intent: z.literal("correct"), memberCode: z.string().max(100), status: z.string().max(20), reason: z.string().max(MAX_REASON * 4) }),
  );
  try {
    await recordCorrection(context.db, scope, id, session.member.id, f);
    return ok("live.attendance.corrected", { code: f.memberCode.trim() });
  } catch (e) {
    return domainFailure(e);
  }
}

function CountsCells({ c }: { c: Counts }) {
  return (
    <>
      <td>{c.invited}</td>
      <td>{c.present}</td>
      <td>{c.late}</td>
      <td>{c.leftEarly}</td>
      <td>{c.absent}</td>
      <td>{c.excused}</td>
      <td>{c.rate == null ? "—" : `${Math.round(c.rate * 1000) / 10}%`}</td>
      <td>{c.madeUp}</td>
    </>
  );
}

/** A filter of the member table: "any" (empty, the default) or one value. */
function FilterSelect({ name, label, any, value, options }: { name: string; label: string; any: string; value: string | null; options: [string, string][] }) {
  return (
    <div className="field">
      <label htmlFor={`filter-${name}`}>{label}</label>
      <select id={`filter-${name}`} name={name} defaultValue={value ?? ""}>
        <option value="">{any}</option>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

export default function Attendance() {
  const { t, formatDate } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const revalidator = useRevalidator();
  const live = d.session.state === "live";
  useEffect(() => {
    if (!live) return;
    const id = setInterval(() => {
      if (document.visibilityState === "visible") revalidator.revalidate();
    }, 30_000);
    return () => clearInterval(id);
  }, [live, revalidator]);
  const s = d.session;
  const time = (v: number | null) => (v == null ? "—" : formatDate(v, { timeStyle: "medium" }));
  const exportBase = `/manage/live/${s.id}/export`;
  const pagePath = `/manage/live/${s.id}/attendance`;
  /** A link to this page that keeps the reader's filters (and unit, and page) unless told otherwise. */
  const hrefFor = (over: { page?: number; unit?: number | null; status?: string | null }, hash = "") => {
    const p = new URLSearchParams();
    const unit = over.unit === undefined ? d.unit : over.unit;
    const status = over.status === undefined ? d.filter.status : over.status;
    if (unit) p.set("unit", String(unit));
    if (status) p.set("status", status);
    if (d.filter.via) p.set("via", d.filter.via);
    if (d.filter.q) p.set("q", d.filter.q);
    const page = over.page ?? d.table.page;
    if (page > 1) p.set("page", String(page));
    const search = p.toString();
    return `${pagePath}${search ? `?${search}` : ""}${hash}`;
  };
  const filtered = !!(d.filter.status || d.filter.via || d.filter.q);
  const countHeads = ["live.count.invited", "live.count.present", "live.count.late", "live.count.leftEarly", "live.count.absent", "live.count.excused", "live.count.rate", "recording.column.madeUp"] as const;
  return (
    <>
      <p className="muted small">
        <Link to={`/manage/live/${s.id}`}>← {s.title}</Link>
      </p>
      <h1>{t("live.attendance.title")}</h1>
      <section className="card">
        <p>
          <strong>{s.title}</strong>
        </p>
        <p className="small">
          {s.started
            ? t("live.attendance.span", { start: formatDate(s.start, { dateStyle: "medium", timeStyle: "medium" }), end: formatDate(s.end, { timeStyle: "medium" }) })
            : t("live.attendance.notStarted")}
          {live ? ` · ${t("live.attendance.liveNote")}` : ""}
        </p>
        <p className="small">{t("live.manage.rule", { percent: s.rule.presentMinPercent, minutes: s.rule.lateAfterMinutes })}</p>
        <dl className="live-summary" data-testid="attendance-summary">
          {countHeads.map((k, i) => (
            <div key={k}>
              <dt>{t(k)}</dt>
              <dd>
                {i === 6
                  ? d.counts.rate == null
                    ? "—"
                    : `${Math.round(d.counts.rate * 1000) / 10}%`
                  : [d.counts.invited, d.counts.present, d.counts.late, d.counts.leftEarly, d.counts.absent, d.counts.excused, 0, d.counts.madeUp][i]}
              </dd>
            </div>
          ))}
        </dl>
        <p className="button-row">
          <a className="button secondary" href={`${exportBase}?format=csv`} download data-testid="export-csv">
            {t("live.attendance.exportCsv")}
          </a>
          <a className="button secondary" href={`${exportBase}?format=xlsx`} download data-testid="export-xlsx">
            {t("live.attendance.exportXlsx")}
          </a>
        </p>
      </section>

      <h2>{t("live.attendance.byUnit")}</h2>
      {d.unit ? (
        <p className="small">
          <Link to={hrefFor({ unit: null })}>{t("live.attendance.allUnits")}</Link>
        </p>
      ) : null}
      <div className="table-wrap">
        <table className="compact rollup" data-testid="rollup">
          <thead>
            <tr>
              <th>{t("live.presenter.unit")}</th>
              {countHeads.map((k) => (
                <th key={k}>{t(k)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {d.rollup.root ? (
              <tr className="rollup-root">
                <th scope="row">{d.rollup.root.name}</th>
                <CountsCells c={d.rollup.root.counts} />
              </tr>
            ) : null}
            {d.rollup.children.map((u) => (
              <tr key={u.unitId} data-unit-code={u.code}>
                <th scope="row">
                  {u.childCount > 0 ? <Link to={hrefFor({ unit: u.unitId })}>{u.name}</Link> : u.name}
                </th>
                <CountsCells c={u.counts} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2 id="members">{d.unitName ? t("live.attendance.membersOf", { unit: d.unitName }) : t("live.attendance.members")}</h2>
      <Form method="get" action={pagePath} role="search" aria-label={t("live.attendance.filtersLabel")} className="row card" data-testid="attendance-filters">
        {d.unit ? <input type="hidden" name="unit" value={d.unit} /> : null}
        <div className="field">
          <label htmlFor="filter-q">{t("live.attendance.search")}</label>
          <input id="filter-q" name="q" type="search" defaultValue={d.filter.q} maxLength={100} aria-describedby="filter-q-hint" />
          <small id="filter-q-hint" className="hint">
            {t("live.attendance.searchHint")}
          </small>
        </div>
        <FilterSelect name="status" label={t("live.attendance.status")} any={t("live.attendance.anyStatus")} value={d.filter.status} options={CORRECTION_STATUSES.map((o) => [o, t(`live.status.${o}`)])} />
        <FilterSelect name="via" label={t("live.attendance.via")} any={t("live.attendance.anyVia")} value={d.filter.via} options={VIA_FILTERS.map((o) => [o, t(`live.via.${o}`)])} />
        <p className="button-row">
          <button type="submit">{t("live.attendance.applyFilters")}</button>{" "}
          {filtered ? (
            <Link className="button secondary" to={`${pagePath}${d.unit ? `?unit=${d.unit}` : ""}`}>
              {t("live.attendance.clearFilters")}
            </Link>
          ) : null}
        </p>
      </Form>
      <p className="small" role="status" data-testid="attendance-matches" data-total={d.table.total}>
        {d.table.total === 0 ? t("live.attendance.noMatches") : t("live.attendance.showing", { from: d.table.from, to: d.table.to, total: d.table.total })}
      </p>
      <DataTable
        testId="attendance-table"
        rows={d.rows}
        rowKey={(r) => r.memberId}
        rowProps={(r) => ({ "data-member-code": r.code, "data-status": r.status, "data-effective": r.corrected?.status ?? r.status, "data-via": r.via ?? "", "data-minutes": String(r.minutes) })}
        columns={[
          {
            label: t("live.attendance.member"),
            cell: (r) => (
              <>
                {r.fullName} <span className="muted small">{r.code}</span>
              </>
            ),
          },
          { label: t("live.presenter.unit"), cell: (r) => r.unitName },
          {
            label: t("live.attendance.status"),
            cell: (r) => (
              <>
                <StatusBadge status={r.status} />
                {r.corrected ? (
                  <span className="correction">
                    {" → "}
                    <StatusBadge status={r.corrected.status} /> <span className="muted small">{t("live.attendance.correctedNote", { reason: r.corrected.reason })}</span>
                  </span>
                ) : null}
              </>
            ),
          },
          { label: t("live.attendance.minutes"), cell: (r) => r.minutes },
          { label: "%", cell: (r) => r.percent },
          { label: t("live.attendance.via"), cell: (r) => (r.via ? t(`live.via.${r.via}`) : "—") },
          { label: t("live.attendance.firstJoin"), cell: (r) => time(r.firstJoin) },
          { label: t("live.attendance.lastLeave"), cell: (r) => time(r.lastLeave) },
          {
            label: t("recording.column.madeUp"),
            cell: (r) =>
              r.makeUp ? (r.makeUp.madeUp ? t("recording.madeUp.yes", { percent: r.makeUp.percent }) : t("recording.madeUp.partial", { percent: r.makeUp.percent })) : "—",
          },
        ]}
      />
      {d.table.pages > 1 ? (
        <nav className="row pager" aria-label={t("live.attendance.pagesLabel")} data-testid="attendance-pager">
          {d.table.page > 1 ? (
            <>
              <Link className="button secondary" to={hrefFor({ page: 1 }, "#members")}>
                {t("live.attendance.firstPage")}
              </Link>
              <Link className="button secondary" rel="prev" to={hrefFor({ page: d.table.page - 1 }, "#members")}>
                {t("common.prev")}
              </Link>
            </>
          ) : null}
          <span aria-current="page" data-page={d.table.page} data-pages={d.table.pages}>
            {t("live.attendance.page", { page: d.table.page, pages: d.table.pages })}
          </span>
          {d.table.page < d.table.pages ? (
            <>
              <Link className="button secondary" rel="next" to={hrefFor({ page: d.table.page + 1 }, "#members")}>
                {t("common.next")}
              </Link>
              <Link className="button secondary" to={hrefFor({ page: d.table.pages }, "#members")}>
                {t("live.attendance.lastPage")}
              </Link>
            </>
          ) : null}
        </nav>
      ) : null}

      <h2>{t("live.attendance.absentees", { count: d.absentCount })}</h2>
      {d.absentCount > d.absentees.length ? (
        <p className="small" data-testid="absentees-more">
          {t("live.attendance.absenteesShown", { shown: d.absentees.length, count: d.absentCount })}{" "}
          <Link to={hrefFor({ status: "absent", page: 1 }, "#members")}>{t("live.attendance.absenteesInTable")}</Link>
        </p>
      ) : null}
      {d.absentees.length === 0 ? (
        <p className="muted">{t("live.attendance.noAbsentees")}</p>
      ) : (
        <ul className="absentees" data-testid="absentees">
          {d.absentees.map((m) => (
            <li key={m.code} data-member-code={m.code}>
              {m.fullName} <span className="muted small">{m.code} · {m.unitName}</span>
              {m.excused ? <span className="badge"> {t("live.status.excused")}</span> : null}
            </li>
          ))}
        </ul>
      )}

      <section className="card" aria-labelledby="correct">
        <h2 id="correct">{t("live.attendance.correct")}</h2>
        <p className="muted small">{t("live.attendance.correctHint")}</p>
        <Notice flash={a?.flash} />
        <Form method="post" data-testid="correction-form">
          <input type="hidden" name="intent" value="correct" />
          <div className="row">
            <Field label={t("live.attendance.memberCode")} name="memberCode" hint={t("live.attendance.memberCodeHint")}>
              {/* A code rather than a list of every invited member: the list would be thousands long. */}
              <input id="memberCode" name="memberCode" required maxLength={100} list="member-codes" autoComplete="off" spellCheck={false} />
              <datalist id="member-codes">
                {d.rows.map((r) => (
                  <option key={r.memberId} value={r.code}>
                    {r.fullName}
                  </option>
                ))}
              </datalist>
            </Field>
            <Field label={t("live.attendance.newStatus")} name="status">
              <select id="status" name="status" defaultValue="excused">
                {CORRECTION_STATUSES.map((o) => (
                  <option key={o} value={o}>
                    {t(`live.status.${o}`)}
                  </option>
                ))}
              </select>
            </Field>
          </div>
          <Field label={t("live.attendance.reason")} name="reason">
            <input id="reason" name="reason" required maxLength={MAX_REASON} />
          </Field>
          <button type="submit" disabled={busy || d.counts.invited === 0}>
            {t("live.attendance.saveCorrection")}
          </button>
        </Form>
        <h3>{t("live.attendance.trail")}</h3>
        {d.trail.length === 0 ? (
          <p className="muted">{t("live.attendance.noCorrections")}</p>
        ) : (
          <ol className="trail" data-testid="corrections">
            {d.trail.map((c) => (
              <li key={c.id} data-member-code={c.code}>
                <strong>{formatDate(c.at, { dateStyle: "short", timeStyle: "medium" })}</strong>{" "}
                {t("live.attendance.trailLine", { member: `${c.fullName} (${c.code})`, by: c.byName ? `${c.byName} (${c.byCode})` : "—", reason: c.reason })}{" "}
                <StatusBadge status={c.status} />
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}
