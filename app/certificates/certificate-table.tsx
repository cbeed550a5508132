/**
 * The one list of certificates, for a member's own page and a trainer's unit page: the columns
 * each page leads with, then the completion date, the code, the status (optional) and the page's
 * actions; a table on wide screens, stacked cards on phones. Client-safe, no data access.
 */
import type { ReactNode } from "react";
import { useT } from "#app/i18n/use-t.ts";
import { DataTable, type Column } from "#app/components/data-table.tsx";

export type CertificateRow = { code: string; completedAt: number; revokedAt: number | null };
export type CertificateColumn<R> = Column<R>;

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
  const columns: Column<R>[] = [
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
  return <DataTable testId={testId} rows={rows} rowKey={(r) => r.code} columns={columns} />;
}
