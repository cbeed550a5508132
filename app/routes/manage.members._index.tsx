import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireManager, requireUnitScope, scopePaths } from "#app/auth/permissions.server.ts";
import { searchMembers } from "#app/org/members.server.ts";
import { MEMBER_STATUSES } from "#db/schema/enums.ts";
import { readSearch } from "#app/http/forms.server.ts";
import { Pager } from "#app/components/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";
import { DataTable } from "#app/components/data-table.tsx";

const PAGE_SIZE = 50;

const searchSchema = z.object({
  q: z.string().max(200).optional(),
  unit: z.coerce.number().int().positive().optional().catch(undefined),
  status: z.enum(MEMBER_STATUSES).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100000).optional().catch(1),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { scope } = await requireManager(request, context);
  const s = readSearch(request, searchSchema);
  const unit = s.unit ? await requireUnitScope(context.db, scope, s.unit) : null;
  const page = s.page ?? 1;
  const result = await searchMembers(context.db, {
    q: s.q,
    unitPath: unit?.path ?? null,
    status: s.status ?? null,
    withinPaths: scopePaths(scope),
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
  });
  return {
    q: s.q ?? "",
    status: s.status ?? "",
    unit: unit ? { id: unit.id, name: unit.name, code: unit.code } : null,
    page,
    pages: Math.max(1, Math.ceil(result.total / PAGE_SIZE)),
    total: result.total,
    rows: result.rows,
  };
}

export default function MembersIndex() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  const params = (page: number) => {
    const p = new URLSearchParams();
    if (d.q) p.set("q", d.q);
    if (d.status) p.set("status", d.status);
    if (d.unit) p.set("unit", String(d.unit.id));
    p.set("page", String(page));
    return `?${p}`;
  };
  const exportHref = (format: string) => `/manage/members/export?format=${format}${d.unit ? `&unit=${d.unit.id}` : ""}`;
  return (
    <>
      <h1>
        {t("members.title")}
        {d.unit ? ` — ${d.unit.name}` : ""}
      </h1>
      <Form method="get" role="search" className="row card">
        {d.unit ? <input type="hidden" name="unit" value={d.unit.id} /> : null}
        <div className="field">
          <label htmlFor="q">{t("common.search")}</label>
          <input id="q" name="q" type="search" defaultValue={d.q} aria-describedby="q-hint" />
          <small id="q-hint" className="hint">
            {t("members.searchPlaceholder")}
          </small>
        </div>
        <div className="field">
          <label htmlFor="status">{t("members.filterStatus")}</label>
          <select id="status" name="status" defaultValue={d.status}>
            <option value="">{t("status.any")}</option>
            {MEMBER_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">{t("common.search")}</button>
      </Form>
      <p className="row">
        <span>{t("common.total", { count: d.total })}</span>
        <Link to={`/manage/members/new${d.unit ? `?unit=${d.unit.id}` : ""}`} className="button secondary">
          {t("members.new")}
        </Link>
        <a href={exportHref("csv")} className="button secondary">
          {t("members.export")} CSV
        </a>
        <a href={exportHref("xlsx")} className="button secondary">
          {t("members.export")} XLSX
        </a>
      </p>
      {d.rows.length === 0 ? (
        <p>{t("members.noResults")}</p>
      ) : (
        <DataTable
          testId="members-table"
          rows={d.rows}
          rowKey={(m) => m.id}
          columns={[
            { label: t("members.fullName"), cell: (m) => <Link to={`/manage/members/${m.id}`}>{m.fullName}</Link> },
            { label: t("members.code"), cell: (m) => m.code },
            { label: t("members.unit"), cell: (m) => m.unitName },
            { label: t("members.position"), cell: (m) => m.position },
            {
              label: t("members.status"),
              cell: (m) => (
                <>
                  {t(`status.${m.status}`)}
                  {m.disabledAt ? <span className="badge badge-err"> {t("member.disabled")}</span> : null}
                  {!m.hasPassword ? <span className="badge badge-warn"> {t("member.notActivated")}</span> : null}
                </>
              ),
            },
          ]}
        />
      )}
      <Pager page={d.page} pages={d.pages} hrefFor={params} />
    </>
  );
}
