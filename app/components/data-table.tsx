/**
 * The one table of the app: a table on wide screens and, with the `stack` class, one card per row
 * on phones, where every cell shows its column's name from `data-label`. The header and the labels
 * come from the same column list, so a cell can never be labelled with another column's name.
 * Client-safe, no data access.
 */
import type { HTMLAttributes, ReactNode } from "react";

export type Column<R> = {
  label: string;
  cell: (row: R) => ReactNode;
  /** Set on the header and on every cell of the column ("num" aligns figures, "no-print" …). */
  className?: string;
  /** The cell that names its row: a row header (`<th scope="row">`) for screen readers. */
  rowHeader?: boolean;
};

/** Where a column is shown only sometimes: `[cond && column]`. */
type MaybeColumn<R> = Column<R> | false | null | undefined;

export function DataTable<R>({
  rows,
  columns,
  rowKey,
  id,
  testId,
  className = "stack",
  caption,
  rowProps,
  foot,
}: {
  rows: readonly R[];
  columns: readonly MaybeColumn<R>[];
  rowKey: (row: R) => string | number;
  /** For a chart that names this table as its data (`aria-describedby`, "see the table"). */
  id?: string;
  testId?: string;
  /** Classes of the `<table>`; "stack" (the default) gives the phone layout, "" a plain table. */
  className?: string;
  caption?: ReactNode;
  /** Attributes of a row's `<tr>`, such as a `data-*` the tests or the print sheet read. */
  rowProps?: (row: R) => HTMLAttributes<HTMLTableRowElement> & Record<`data-${string}`, string | undefined>;
  /** The rows of a `<tfoot>` (a total, say), laid out by the caller. */
  foot?: ReactNode;
}) {
  const cols = columns.filter((c): c is Column<R> => !!c);
  return (
    <div className="table-wrap">
      <table className={className || undefined} id={id} data-testid={testId}>
        {caption}
        <thead>
          <tr>
            {cols.map((c, i) => (
              <th key={i} scope="col" className={c.className}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={rowKey(r)} {...rowProps?.(r)}>
              {cols.map((c, i) =>
                c.rowHeader ? (
                  <th key={i} scope="row" data-label={c.label} className={c.className}>
                    {c.cell(r)}
                  </th>
                ) : (
                  <td key={i} data-label={c.label} className={c.className}>
                    {c.cell(r)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
        {foot ? <tfoot>{foot}</tfoot> : null}
      </table>
    </div>
  );
}
