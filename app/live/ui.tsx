/** Small presentational pieces of the live-session pages (client-safe, no data access). */
import { useEffect, useState } from "react";
import { useT } from "#app/i18n/use-t.ts";
import { formatCountdown } from "#app/common/vietnam-time.ts";
import type { CorrectionStatus as AttendanceOverride } from "./constants.ts";

/**
 * The current time, ticking every second in the browser. The first render uses the server's
 * time so the markup hydrates without a mismatch.
 */
export function useNow(serverNow: number, everyMs = 1000): number {
  const [now, setNow] = useState(serverNow);
  useEffect(() => {
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

export function Countdown({ to, now }: { to: number; now: number }) {
  const { t } = useT();
  return (
    <time className="countdown" dateTime={new Date(to).toISOString()} data-testid="countdown">
      {formatCountdown(to - now, t("live.countdown.days"))}
    </time>
  );
}

export type SessionState = "scheduled" | "live" | "ended";

/** "live", "starting soon / waiting for the presenter", "scheduled", "ended". */
export function StateBadge({ state, start, now }: { state: SessionState; start: number; now: number }) {
  const { t } = useT();
  if (state === "live") return <span className="badge badge-live">{t("live.state.live")}</span>;
  if (state === "ended") return <span className="badge">{t("live.state.ended")}</span>;
  if (start <= now) return <span className="badge badge-warn">{t("live.state.waiting")}</span>;
  return <span className="badge">{t("live.state.scheduled")}</span>;
}

const STATUS_CLASS: Record<AttendanceOverride, string> = {
  present: "badge-ok",
  late: "badge-warn",
  "left-early": "badge-warn",
  absent: "badge-err",
  excused: "",
};

export function StatusBadge({ status }: { status: AttendanceOverride }) {
  const { t } = useT();
  return <span className={`badge ${STATUS_CLASS[status]}`}>{t(`live.status.${status}`)}</span>;
}

export function DocumentLink({ url }: { url: string | null }) {
  const { t } = useT();
  if (!url) return null;
  const pdf = url.startsWith("/uploads/");
  return (
    <p className="live-document">
      <a href={url} target="_blank" rel="noopener noreferrer" data-testid="document-link">
        {pdf ? t("live.document.pdf") : t("live.document.link")}
      </a>
    </p>
  );
}
