import { data, type ActionFunctionArgs, type HeadersFunction, type LinksFunction, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { requireManager, unitInScope } from "#app/auth/permissions.server.ts";
import { certificateFilterChoices, certificatesInSubtree, ensureCertificatesForCompletions, revokeCertificate } from "#app/certificates/issue.server.ts";
import { REVOKE_REASON_MAX } from "#app/certificates/code.ts";
import { getCourse } from "#app/courses/courses.server.ts";
import { getUnitByCode } from "#app/org/units.server.ts";
import { domainFailure, ok, readForm, readSearch } from "#app/http/forms.server.ts";
import { Field, Notice, type Flash, InputField } from "#app/components/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";
import { CertificateTable, RevokedBadge } from "#app/certificates/certificate-table.tsx";
import styles from "#app/certificates/certificates.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: styles }];

export const headers: HeadersFunction = () => ({ "Cache-Control": "private, no-store" });

/**
 * Trainers: a unit (by code) and a course → the certificates of every member now in that unit's
 * subtree, one ZIP of them all, and revocation with a reason. Out-of-scope units answer 404.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { scope } = await requireManager(request, context);
  const s = readSearch(request, z.object({ unit: z.string().max(64).optional(), course: z.coerce.number().int().positive().optional() }));
  const choices = await certificateFilterChoices(context.db, scope);
  const base = { ...choices, unitCode: s.unit?.trim() || choices.rootCodes[0] || "", courseId: s.course ?? null };
  if (!s.unit?.trim() || !s.course) return { ...base, result: null, notFound: false };
  const unit = await getUnitByCode(context.db, s.unit.trim());
  const course = await getCourse(context.db, s.course);
  if (!unit || !unitInScope(scope, unit) || !course) return data({ ...base, result: null, notFound: true }, { status: 404 });
  await ensureCertificatesForCompletions(context.db, { courseId: course.id, unitPath: unit.path });
  const rows = (await certificatesInSubtree(context.db, { courseId: course.id, unitPath: unit.path })).map((r) => ({
    code: r.certificate.code,
    memberName: r.certificate.memberName,
    memberCode: r.memberCode,
    unitName: r.currentUnitName,
    completedAt: r.certificate.completedAt.getTime(),
    revokedAt: r.certificate.revokedAt?.getTime() ?? null,
    revokedReason: r.certificate.revokedReason,
  }));
  return {
    ...base,
    notFound: false,
    result: { unit: { code: unit.code, name: unit.name }, course: { id: course.id, title: course.title }, rows, valid: rows.filter((r) => !r.revokedAt).length },
  };
}

const revokeSchema = z.object({ intent: z.literal("revoke"), code: z.string().min(1).max(40), reason: z.string().max(2000) });

export async function action({ request, context }: ActionFunctionArgs) {
  const { session, scope } = await requireManager(request, context);
  const f = await readForm(request, revokeSchema);
  try {
    const c = await revokeCertificate(context.db, scope, { code: f.code, reason: f.reason, actorId: session.member.id });
    return ok("certificates.manage.revokedOk", { code: c.code });
  } catch (e) {
    return domainFailure(e);
  }
}

export default function ManageCertificates() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>() as { flash?: Flash } | undefined;
  const nav = useNavigation();
  const r = d.result;
  const zipHref = r ? `/manage/certificates/zip?${new URLSearchParams({ unit: r.unit.code, course: String(r.course.id) })}` : "";
  return (
    <>
      <h1>{t("certificates.manage.title")}</h1>
      <p className="muted">{t("certificates.manage.intro")}</p>
      <Form method="get" className="row card">
        <InputField label={t("certificates.manage.unit")} name="unit" hint={d.rootCodes.length ? t("certificates.manage.unitHint", { codes: d.rootCodes.join(", ") }) : undefined} required maxLength={64} defaultValue={d.unitCode} autoComplete="off" />
        <Field label={t("certificates.manage.course")} name="course">
          <select id="course" name="course" required defaultValue={d.courseId ?? ""}>
            <option value="">{t("certificates.manage.chooseCourse")}</option>
            {d.courses.map((c) => (
              <option key={c.id} value={c.id}>
                {c.title}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit">{t("certificates.manage.show")}</button>
      </Form>
      <Notice flash={a?.flash} />
      {d.notFound ? (
        <p className="notice notice-error" role="alert">
          {t("certificates.manage.unitNotFound")}
        </p>
      ) : null}
      {r ? (
        <section aria-labelledby="result">
          <h2 id="result">{t("certificates.manage.heading", { course: r.course.title, unit: `${r.unit.name} (${r.unit.code})` })}</h2>
          {r.rows.length === 0 ? (
            <p>{t("certificates.manage.none")}</p>
          ) : (
            <>
              <p>{t("certificates.manage.summary", { count: r.rows.length, revoked: r.rows.length - r.valid })}</p>
              {r.valid > 0 ? (
                <p>
                  <a className="button" href={zipHref} download data-testid="zip-link">
                    {t("certificates.manage.zip", { count: r.valid })}
                  </a>
                  <small className="hint">{t("certificates.manage.zipHint")}</small>
                </p>
              ) : null}
              <CertificateTable
                testId="unit-certificates"
                rows={r.rows}
                lead={[
                  { label: t("certificates.manage.member"), cell: (row) => row.memberName },
                  { label: t("certificates.manage.memberCode"), cell: (row) => row.memberCode },
                  { label: t("certificates.manage.unitCol"), cell: (row) => row.unitName },
                ]}
                actions={(row) =>
                  row.revokedAt ? (
                    <>
                      <RevokedBadge at={row.revokedAt} />
                      {row.revokedReason ? <small className="hint">{t("certificates.manage.reasonShown", { reason: row.revokedReason })}</small> : null}
                    </>
                  ) : (
                    <>
                      <a href={`/certificates/${row.code}.pdf`} download>
                        {t("certificates.download")}
                      </a>
                      <details className="cert-revoke">
                        <summary>{t("certificates.manage.revoke")}</summary>
                        <Form method="post">
                          <input type="hidden" name="intent" value="revoke" />
                          <input type="hidden" name="code" value={row.code} />
                          <Field label={t("certificates.manage.reason")} name={`reason-${row.code}`}>
                            <textarea id={`reason-${row.code}`} name="reason" required minLength={3} maxLength={REVOKE_REASON_MAX} rows={2} />
                          </Field>
                          <button type="submit" className="danger" disabled={nav.state !== "idle"}>
                            {t("certificates.manage.revokeSubmit")}
                          </button>
                        </Form>
                      </details>
                    </>
                  )
                }
              />
            </>
          )}
        </section>
      ) : null}
    </>
  );
}
