import { type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireManager, requireUnitScope } from "#app/auth/permissions.server.ts";
import { issueActivationSheet, pendingActivation } from "#app/org/activation-sheet.server.ts";
import { parseId } from "#app/http/forms.server.ts";
import { useT } from "#app/i18n/use-t.ts";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { scope } = await requireManager(request, context);
  const unit = await requireUnitScope(context.db, scope, parseId(params.unitId));
  const pending = await pendingActivation(context.db, scope, unit.path);
  return { unit: { id: unit.id, name: unit.name, code: unit.code }, pending: pending.issuable.length, skipped: pending.skipped };
}

/** The printable sheet; the CSV of the same codes is the resource route activation.csv. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const { session, scope } = await requireManager(request, context);
  const unit = await requireUnitScope(context.db, scope, parseId(params.unitId));
  await request.formData();
  return issueActivationSheet(context.db, scope, unit.path, session.member.id);
}

export default function ActivationCodes() {
  const { t, formatDate } = useT();
  const d = useLoaderData<typeof loader>();
  const slips = useActionData<typeof action>() ?? null;
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
          {d.skipped > 0 ? (
            <p className="notice notice-warn" role="status">
              {t("activation.skippedBeyondScope", { count: d.skipped })}
            </p>
          ) : null}
          {d.pending === 0 ? (
            <p>{t("activation.none")}</p>
          ) : (
            <>
              <p>{t("activation.pending", { count: d.pending })}</p>
              <Form method="post" className="row" reloadDocument>
                <button type="submit" name="format" value="print">
                  {t("activation.issuePrint")}
                </button>
                <button type="submit" name="format" value="csv" className="secondary" formNoValidate formAction={`/manage/units/${d.unit.id}/activation.csv`}>
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
