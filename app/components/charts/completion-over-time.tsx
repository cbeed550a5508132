import { useId } from "react";
import { Group } from "@visx/group";
import { Line, LinePath } from "@visx/shape";
import { scaleLinear, scaleUtc } from "@visx/scale";
import { AxisBottom, AxisLeft } from "@visx/axis";
import { useT } from "#app/i18n/use-t.ts";
import { percentFormatter, useWidth } from "./use-width.ts";
import { DataTable } from "#app/components/data-table.tsx";

export type TimePoint = { day: string; completed: number; assigned: number; rate: number | null; live?: boolean };

const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);

/**
 * Completion rate over time from the daily snapshots (the last point may be today's live figure,
 * drawn hollow). The table under the chart (in a disclosure) holds the same points for screen
 * readers and for anyone who would rather read.
 */
export function CompletionOverTime({ points, title }: { points: TimePoint[]; title: string }) {
  const { t, locale, formatDate } = useT();
  const [ref, width] = useWidth<HTMLDivElement>(640);
  const id = useId();
  const pct = percentFormatter(locale);
  const data = points.filter((p) => p.rate != null);
  if (data.length === 0) {
    return (
      <figure className="chart" ref={ref}>
        <figcaption>{title}</figcaption>
        <p className="muted">{t("reports.chart.noSnapshots")}</p>
      </figure>
    );
  }
  const narrow = width < 520;
  const height = narrow ? 200 : 240;
  const m = { top: 16, right: 16, bottom: 30, left: 48 };
  const innerW = width - m.left - m.right;
  const innerH = height - m.top - m.bottom;
  const first = dayMs(data[0].day);
  const last = dayMs(data[data.length - 1].day);
  // A single day still gets a one-day axis; ticks are the snapshot days themselves (at most a few).
  const x = scaleUtc<number>({ domain: [new Date(first), new Date(last === first ? first + 86_400_000 : last)], range: [0, innerW] });
  const maxTicks = narrow ? 3 : 6;
  const step = Math.max(1, Math.ceil(data.length / maxTicks));
  const tickDays = data.filter((_, i) => i % step === 0 || i === data.length - 1).map((p) => new Date(dayMs(p.day)));
  if (tickDays.length > maxTicks && tickDays.length > 1) tickDays.splice(tickDays.length - 2, 1);
  const y = scaleLinear<number>({ domain: [0, 1], range: [innerH, 0] });
  const short = (d: Date | number) => formatDate(d, { day: "2-digit", month: "2-digit", timeZone: "UTC" });
  const end = data[data.length - 1];
  const summary = t("reports.chart.timeSummary", {
    from: short(first),
    to: short(last),
    first: pct.format(data[0].rate!),
    last: pct.format(end.rate!),
  });
  return (
    <figure className="chart" ref={ref}>
      <figcaption id={`${id}-t`}>{title}</figcaption>
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={`${id}-t ${id}-d`} className="chart-svg" data-testid="chart-time">
        <desc id={`${id}-d`}>{summary}</desc>
        <Group left={m.left} top={m.top}>
          <Line from={{ x: 0, y: y(1) }} to={{ x: innerW, y: y(1) }} className="chart-target" />
          <AxisLeft scale={y} tickValues={[0, 0.25, 0.5, 0.75, 1]} tickFormat={(v) => pct.format(Number(v))} tickLabelProps={{ className: "chart-tick", textAnchor: "end", dx: -4, dy: 4 }} />
          <AxisBottom
            top={innerH}
            scale={x}
            tickValues={tickDays}
            tickFormat={(v) => short(v as Date)}
            tickLabelProps={{ className: "chart-tick", textAnchor: "middle" }}
          />
          <LinePath data={data} x={(p) => x(new Date(dayMs(p.day)))} y={(p) => y(p.rate!)} className="chart-line" />
          {data.map((p) => (
            <circle key={p.day} cx={x(new Date(dayMs(p.day)))} cy={y(p.rate!)} r={p.live ? 4.5 : 3} className={p.live ? "chart-dot chart-dot-live" : "chart-dot"}>
              <title>{`${short(dayMs(p.day))}: ${pct.format(p.rate!)} (${p.completed}/${p.assigned})${p.live ? ` — ${t("reports.chart.live")}` : ""}`}</title>
            </circle>
          ))}
        </Group>
      </svg>
      <details className="chart-data">
        <summary>{t("reports.chart.showTable")}</summary>
        <DataTable
          className=""
          rows={points}
          rowKey={(p) => p.day}
          columns={[
            { label: t("reports.col.day"), cell: (p) => `${formatDate(dayMs(p.day), { dateStyle: "medium", timeZone: "UTC" })}${p.live ? ` (${t("reports.chart.live")})` : ""}` },
            { label: t("reports.col.completed"), cell: (p) => p.completed },
            { label: t("reports.col.assigned"), cell: (p) => p.assigned },
            { label: t("reports.col.rate"), cell: (p) => (p.rate == null ? "—" : pct.format(p.rate)) },
          ]}
        />
      </details>
    </figure>
  );
}
