import { useId } from "react";
import { Group } from "@visx/group";
import { Bar, Line } from "@visx/shape";
import { scaleLinear } from "@visx/scale";
import { useT } from "#app/i18n/use-t.ts";
import { fitLabel, percentFormatter, useWidth } from "./use-width.ts";

export type BarDatum = { key: string; label: string; completed: number; assigned: number; rate: number | null };

/**
 * Completion by unit: horizontal bars sorted from the lowest rate (where help is needed first),
 * with the target line at 100 %. On a phone each label sits above its bar; on a wide screen to
 * its left. Read by screen readers as one image with a summary; the same figures are in the table
 * named by `tableId`, which is the accessible alternative.
 */
export function CompletionBars({ data, title, tableId }: { data: BarDatum[]; title: string; tableId?: string }) {
  const { t, locale } = useT();
  const [ref, width] = useWidth<HTMLDivElement>(640);
  const id = useId();
  const pct = percentFormatter(locale);
  const rows = [...data].sort((a, b) => (a.rate ?? 2) - (b.rate ?? 2) || a.label.localeCompare(b.label, locale));
  if (rows.length === 0) return null;

  const narrow = width < 520;
  const valueW = 104;
  const labelW = narrow ? 0 : Math.min(240, Math.round(width * 0.36));
  const top = 22;
  const rowH = narrow ? 46 : 30;
  const barH = narrow ? 16 : 18;
  const barX = narrow ? 0 : labelW + 8;
  const barMax = Math.max(60, width - barX - valueW);
  const height = top + rows.length * rowH + 6;
  const x = scaleLinear<number>({ domain: [0, 1], range: [0, barMax] });
  const worst = rows.find((r) => r.rate != null);
  const summary = t("reports.chart.barsSummary", {
    count: rows.length,
    lowest: worst ? `${worst.label} ${pct.format(worst.rate!)}` : "—",
  });

  return (
    <figure className="chart" ref={ref}>
      <figcaption id={`${id}-t`}>{title}</figcaption>
      <svg
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-labelledby={`${id}-t ${id}-d`}
        aria-describedby={tableId}
        className="chart-svg"
        data-testid="chart-bars"
      >
        <desc id={`${id}-d`}>{summary}</desc>
        <Group top={top}>
          {rows.map((r, i) => {
            const y = i * rowH;
            const by = narrow ? y + 18 : y + (rowH - barH) / 2;
            const w = r.rate == null ? 0 : Math.max(r.rate > 0 ? 2 : 0, x(Math.min(1, r.rate)));
            const value = r.rate == null ? "—" : `${pct.format(r.rate)} (${r.completed}/${r.assigned})`;
            return (
              <g key={r.key}>
                <title>{`${r.label}: ${value}`}</title>
                <text x={narrow ? 0 : labelW} y={narrow ? y + 13 : by + barH - 4} textAnchor={narrow ? "start" : "end"} className="chart-label">
                  {fitLabel(r.label, narrow ? width - 8 : labelW)}
                </text>
                <Bar x={barX} y={by} width={barMax} height={barH} className="chart-track" rx={3} />
                <Bar x={barX} y={by} width={w} height={barH} className={r.rate != null && r.rate >= 1 ? "chart-bar chart-bar-full" : "chart-bar"} rx={3} />
                <text x={barX + barMax + 6} y={by + barH - 4} className="chart-value">
                  {value}
                </text>
              </g>
            );
          })}
        </Group>
        <Line from={{ x: barX + x(1), y: top - 6 }} to={{ x: barX + x(1), y: height - 2 }} className="chart-target" />
        <text x={barX + x(1)} y={12} textAnchor="end" className="chart-target-label">
          {t("reports.chart.target")}
        </text>
      </svg>
    </figure>
  );
}
