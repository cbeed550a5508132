import type { HeadersFunction, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "#app/auth/permissions.server.ts";
import { certificatesOfMember, ensureCertificatesForCompletions } from "#app/certificates/issue.server.ts";
import { metaT, useT } from "#app/i18n/use-t.ts";
import { CertificateTable } from "#app/certificates/certificate-table.tsx";
import styles from "#app/certificates/certificates.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: styles }];

export const meta: MetaFunction = ({ matches }) => {
  const t = metaT(matches);
  return [{ title: `${t("certificates.title")} — Học Số` }];
};

export const headers: HeadersFunction = () => ({ "Cache-Control": "private, no-store" });

/** The member's own certificates; any completion still without one gets it now (idempotent). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { member } = await requireUser(request, context);
  await ensureCertificatesForCompletions(context.db, { memberId: member.id });
  return {
    certificates: (await certificatesOfMember(context.db, member.id)).map((c) => ({
      code: c.code,
      courseTitle: c.courseTitle,
      completedAt: c.completedAt.getTime(),
      revokedAt: c.revokedAt?.getTime() ?? null,
    })),
  };
}

export default function MyCertificates() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t("certificates.title")}</h1>
      <p className="muted">{t("certificates.intro")}</p>
      {d.certificates.length === 0 ? (
        <p className="card">{t("certificates.none")}</p>
      ) : (
        <CertificateTable
          testId="my-certificates"
          rows={d.certificates}
          lead={[{ label: t("certificates.course"), cell: (c) => c.courseTitle }]}
          dateStyle="long"
          showStatus
          actions={(c) => (
            <>
              {c.revokedAt ? null : (
                <>
                  <a href={`/certificates/${c.code}.pdf`} download aria-label={t("certificates.downloadLabel", { course: c.courseTitle })}>
                    {t("certificates.download")}
                  </a>{" "}
                  ·{" "}
                </>
              )}
              <Link to={`/verify/${c.code}`}>{t("certificates.verifyLink")}</Link>
            </>
          )}
        />
      )}
    </>
  );
}
