/**
 * The one list of certificates, for a member's own page and a trainer's unit page: the columns
 * each page leads with, then the completion date, the code, the status (optional) and the page's
 * actions; a table on wide screens, stacked cards on phones. Client-safe, no data access.
 */
import type { ReactNode } from "react";
import { useT } from "#app/i18n/use-t.ts";

export type CertificateRow = { code: string; completedAt: number; revokedAt: number | null };
export type CertificateColumn<R> = { label: string; cell: (row: R) => ReactNode };

export function RevokedBadge({ at }: { at: number }) {
  const { t, formatDate } = useT();
  return <span className="badge badge-err">{t("certificates.revokedOn", { date: formatDate(at) })}</span>;
}

export function CertificateTable<R extends CertificateRow>({
  testId,
  rows,
  lead,
  dateStyle,
  showStatus = false,
  actions,
}: {
  testId: string;
  rows: readonly R[];
  /** The columns before the date: what the page is about (the course, or the member and unit). */
  lead: CertificateColumn<R>[];
  dateStyle?: Intl.DateTimeFormatOptions["dateStyle"];
  showStatus?: boolean;
  actions: (row: R) => ReactNode;
}) {
  const { t, formatDate } = useT();
  const columns: (CertificateColumn<R> & { className?: string })[] = [
    ...lead,
    { label: t("certificates.completedAt"), cell: (r) => formatDate(r.completedAt, dateStyle ? { dateStyle } : undefined) },
    { label: t("certificates.code"), cell: (r) => <code className="cert-code">{r.code}</code> },
    ...(showStatus
      ? [
          {
            label: t("certificates.status"),
            cell: (r: R) => (r.revokedAt ? <RevokedBadge at={r.revokedAt} /> : <span className="badge badge-ok">{t("certificates.valid")}</span>),
          },
        ]
      : []),
    { label: t("common.actions"), cell: actions, className: "actions" },
  ];
  return (
    <div className="table-wrap">
      <table className="stack" data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i}>{c.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.code}>
              {columns.map((c, i) => (
                <td key={i} data-label={c.label} className={c.className}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
