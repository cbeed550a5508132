import { type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { and, asc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { requireManager, requireUnitScope } from "#app/auth/permissions.server.ts";
import { ACTIVATION_TTL_MS, issueActivationCodes } from "#app/org/members.server.ts";
import { subtreeCondition } from "#app/org/units.server.ts";
import { toCsvLine, CSV_BOM } from "#app/org/spreadsheet-safety.ts";
import { parseId, readForm } from "#app/http/forms.server.ts";
import { members, units } from "#db/schema/index.ts";
import type { Db } from "#db/client.server.ts";
import { useT } from "#app/i18n/use-t.ts";

/** Members of the subtree who cannot sign in yet: no password, not disabled, still active. */
function pendingMembers(db: Db, path: string) {
  return db
    .select({ id: members.id, code: members.code, fullName: members.fullName, unitName: units.name })
    .from(members)
    .innerJoin(units, eq(units.id, members.unitId))
    .where(and(subtreeCondition(path), isNull(members.passwordHash), isNull(members.disabledAt), eq(members.status, "active")))
    .orderBy(asc(units.path), asc(members.fullNameFolded))
    .all();
}

export function loader({ request, params, context }: LoaderFunctionArgs) {
  const { scope } = requireManager(request, context);
  const unit = requireUnitScope(context.db, scope, parseId(params.unitId));
  return { unit: { id: unit.id, name: unit.name, code: unit.code }, pending: pendingMembers(context.db, unit.path).length };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { session, scope } = requireManager(request, context);
  const unit = requireUnitScope(context.db, scope, parseId(params.unitId));
  const f = await readForm(request, z.object({ format: z.enum(["print", "csv"]) }));
  const pending = pendingMembers(context.db, unit.path);
  const issued = issueActivationCodes(context.db, pending.map((p) => p.id), session.member.id);
  const codeOf = new Map(issued.map((i) => [i.memberId, i.code]));
  const slips = pending.map((p) => ({ ...p, activationCode: codeOf.get(p.id)! }));
  const expiresAt = new Date(Date.now() + ACTIVATION_TTL_MS);
  if (f.format === "csv") {
    const lines = [toCsvLine(["ma_dang_vien", "ho_ten", "don_vi", "ma_kich_hoat", "het_han"])];
    for (const s of slips) lines.push(toCsvLine([s.code, s.fullName, s.unitName, s.activationCode, expiresAt.toISOString()]));
    return new Response(CSV_BOM + lines.join("\r\n") + "\r\n", {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="ma-kich-hoat-${unit.code}.csv"`,
        "Cache-Control": "no-store",
      },
    });
  }
  return { slips, expiresAt };
}

export default function ActivationCodes() {
  const { t, formatDate } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>() as { slips: (ReturnType<typeof pendingMembers>[number] & { activationCode: string })[]; expiresAt: Date } | undefined;
  const slips = a && "slips" in a ? a : null;
  return (
    <>
      <p className="no-print">
        <Link to={`/manage/units/${d.unit.id}`}>← {d.unit.name}</Link>
      </p>
      <h1 className="no-print">{t("activation.title", { unit: d.unit.name })}</h1>
      {slips ? (
        <>
          <p className="no-print">
            <button type="button" onClick={() => window.print()}>
              {t("common.print")}
            </button>
          </p>
          <div className="slips" data-testid="slips">
            {slips.slips.map((s) => (
              <div className="slip" key={s.id}>
                <strong>{t("activation.slipTitle")}</strong>
                <div>{s.fullName}</div>
                <div className="muted">{s.unitName}</div>
                <div>
                  {t("members.code")}: <b>{s.code}</b>
                </div>
                <div>
                  {t("activate.code")}: <span className="code">{s.activationCode}</span>
                </div>
                <small>{t("activation.slipHow")}</small>
                <br />
                <small>{t("activation.expires", { date: formatDate(slips.expiresAt) })}</small>
              </div>
            ))}
          </div>
        </>
      ) : (
        <section className="card">
          <p>{t("activation.intro", { unit: d.unit.name })}</p>
          {d.pending === 0 ? (
            <p>{t("activation.none")}</p>
          ) : (
            <>
              <p>{t("activation.pending", { count: d.pending })}</p>
              <Form method="post" className="row" reloadDocument>
                <button type="submit" name="format" value="print">
                  {t("activation.issuePrint")}
                </button>
                <button type="submit" name="format" value="csv" className="secondary" formNoValidate>
                  {t("activation.issueCsv")}
                </button>
              </Form>
            </>
          )}
        </section>
      )}
    </>
  );
}
