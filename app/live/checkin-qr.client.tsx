/**
 * The cell room's check-in QR: the link a member's phone opens to check in at this screen. The
 * code inside changes each time the media server rotates it (see media-server/src/checkin-codes.ts);
 * the picture is drawn here, in the browser, from the link alone.
 */
import QRCode from "qrcode";
import { useEffect, useState } from "react";
import { useT } from "#app/i18n/use-t.ts";

/**
 * `node`: the media node holding this screen's cell room (several nodes, ADR 0016); the phone's
 * check-in is placed there, where the code is known. It only routes: a node accepts a token for
 * itself alone and knows only its own rooms' codes.
 */
export function checkinUrl(origin: string, sessionId: number, code: string, node?: string | null) {
  return `${origin}/live/${sessionId}/check-in?code=${encodeURIComponent(code)}${node ? `&node=${encodeURIComponent(node)}` : ""}`;
}

export function CheckinQr({
  sessionId,
  code,
  node,
}: {
  sessionId: number;
  code: { code: string; issuedAt?: number; rotatesAt: number } | null;
  node?: string | null;
}) {
  const { t } = useT();
  const [src, setSrc] = useState<string | null>(null);
  const [large, setLarge] = useState(false);
  const url = code ? checkinUrl(window.location.origin, sessionId, code.code, node) : null;
  useEffect(() => {
    if (!url) return setSrc(null);
    let cancelled = false;
    // SVG scales to a hall screen without blurring; margin 4 is the quiet zone scanners expect.
    QRCode.toString(url, { type: "svg", errorCorrectionLevel: "M", margin: 4 }).then(
      (svg) => !cancelled && setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`),
      () => !cancelled && setSrc(null),
    );
    return () => {
      cancelled = true;
    };
  }, [url]);
  const seconds = code?.issuedAt ? Math.round((code.rotatesAt - code.issuedAt) / 1000) : null;
  return (
    <section className={`checkin-qr${large ? " checkin-qr-large" : ""}`} aria-labelledby="checkin-qr-title" data-testid="checkin-qr">
      <h3 id="checkin-qr-title">{t("checkin.qr.title")}</h3>
      {src && url ? (
        <>
          <img src={src} alt={t("checkin.qr.alt")} data-url={url} data-testid="checkin-qr-image" />
          <p className="small">{t("checkin.qr.help")}</p>
          {seconds ? <p className="muted small">{t("checkin.qr.rotates", { seconds })}</p> : null}
          <button type="button" className="secondary" onClick={() => setLarge((v) => !v)} aria-pressed={large}>
            {large ? t("checkin.qr.shrink") : t("checkin.qr.enlarge")}
          </button>
        </>
      ) : (
        <p className="muted small">{t("checkin.qr.waiting")}</p>
      )}
    </section>
  );
}
