import { useEffect, useRef, useState } from "react";
import { useT } from "#app/i18n/use-t.ts";

/** How often a playing recording tells the server (it credits at most 15 s per beat). */
const BEAT_MS = 10_000;

/**
 * "Học bù" on a session's page: the recording, and how much of it the server has counted. While
 * the video plays, a beat goes to the server every 10 s; the server alone decides what counts.
 */
export function MakeUpStudy({ sessionId, minPercent, percent, madeUp }: { sessionId: number; minPercent: number; percent: number; madeUp: boolean }) {
  const { t } = useT();
  const video = useRef<HTMLVideoElement>(null);
  const [progress, setProgress] = useState({ percent, madeUp });
  useEffect(() => {
    const v = video.current;
    if (!v) return;
    let timer: Awaited<ReturnType<typeof setInterval>> | undefined;
    const send = () =>
      void fetch(`/api/live/${sessionId}/make-up`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
        .then((r) => (r.ok ? (r.json() as Promise<{ percent: number; madeUp: boolean }>) : null))
        .then((r) => r && setProgress({ percent: r.percent, madeUp: r.madeUp }))
        .catch(() => {});
    // Beats follow playback: one when it starts, every 10 s while it plays, one when it stops
    // (the server credits the time between them, capped; the browser claims nothing).
    const onPlay = () => {
      clearInterval(timer);
      send();
      timer = setInterval(() => {
        if (!v.paused && !v.ended) send();
      }, BEAT_MS);
    };
    const onStop = () => {
      clearInterval(timer);
      send();
    };
    v.addEventListener("play", onPlay);
    v.addEventListener("pause", onStop);
    v.addEventListener("ended", onStop);
    return () => {
      clearInterval(timer);
      v.removeEventListener("play", onPlay);
      v.removeEventListener("pause", onStop);
      v.removeEventListener("ended", onStop);
    };
  }, [sessionId]);
  return (
    <section className="card make-up" aria-labelledby="make-up-title" data-testid="make-up">
      <h2 id="make-up-title">{t("recording.makeUp.title")}</h2>
      <p>{t("recording.makeUp.intro", { percent: minPercent })}</p>
      <video ref={video} className="recording-video" controls preload="metadata" playsInline src={`/live/${sessionId}/recording`} data-testid="make-up-video" />
      <p data-testid="make-up-progress" className={progress.madeUp ? "notice notice-ok" : "small"}>
        {progress.madeUp ? t("recording.makeUp.done") : t("recording.makeUp.progress", { percent: progress.percent })}
      </p>
    </section>
  );
}
