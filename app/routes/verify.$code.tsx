import { data, redirect, type HeadersFunction, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { normaliseCode } from "#app/certificates/code.ts";
import { publicVerification } from "#app/certificates/issue.server.ts";
import { metaT, useT } from "#app/i18n/use-t.ts";
import styles from "#app/certificates/certificates.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: styles }];

export const meta: MetaFunction = ({ matches }) => {
  const t = metaT(matches);
  return [{ title: `${t("verify.title")} — Học Số` }, { name: "robots", content: "noindex, nofollow" }];
};

// Verification pages are for people holding the paper, not for search engines; a revocation must
// show at once, so nothing caches them.
export const headers: HeadersFunction = () => ({ "X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store" });

/**
 * PUBLIC (no sign-in): what a certificate says, from its code. Only the frozen name, course title
 * and completion date, or "revoked" with the date: never the unit, member code, e-mail or phone.
 */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const canonical = normaliseCode(params.code);
  if (canonical && canonical !== params.code) throw redirect(`/verify/${canonical}`);
  const v = canonical ? await publicVerification(context.db, canonical) : null;
  if (!v) return data({ found: false as const }, { status: 404 });
  if (v.revokedAt) return { found: true as const, code: v.code, revokedAt: v.revokedAt.getTime() };
  return { found: true as const, code: v.code, revokedAt: null, memberName: v.memberName, courseTitle: v.courseTitle, completedAt: v.completedAt.getTime() };
}

export default function VerifyCertificate() {
  const { t, formatDate } = useT();
  const d = useLoaderData<typeof loader>();
  return (
    <section className="card narrow" data-testid="verification">
      <h1>{t("verify.title")}</h1>
      {!d.found ? (
        <p className="notice notice-error" role="alert">
          {t("verify.notFound")}
        </p>
      ) : d.revokedAt != null ? (
        <>
          <p className="notice notice-error" role="status" data-status="revoked">
            {t("verify.revoked")}
          </p>
          <dl className="cert-facts">
            <dt>{t("verify.code")}</dt>
            <dd>
              <code className="cert-code">{d.code}</code>
            </dd>
            <dt>{t("verify.revokedOn")}</dt>
            <dd>{formatDate(d.revokedAt, { dateStyle: "long" })}</dd>
          </dl>
        </>
      ) : "memberName" in d ? (
        <>
          <p className="notice notice-ok" role="status" data-status="valid">
            ✓ {t("verify.valid")}
          </p>
          <dl className="cert-facts">
            <dt>{t("verify.name")}</dt>
            <dd data-testid="verify-name">{d.memberName}</dd>
            <dt>{t("verify.course")}</dt>
            <dd data-testid="verify-course">{d.courseTitle}</dd>
            <dt>{t("verify.completedAt")}</dt>
            <dd data-testid="verify-date">{formatDate(d.completedAt, { dateStyle: "long" })}</dd>
            <dt>{t("verify.code")}</dt>
            <dd>
              <code className="cert-code">{d.code}</code>
            </dd>
          </dl>
        </>
      ) : null}
      <p className="hint">{t("verify.privacy")}</p>
      <p>
        <Link to="/verify">{t("verify.another")}</Link>
      </p>
    </section>
  );
}
