import { data, type HeadersFunction, type LinksFunction, type LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useEffect, useState } from "react";
import { z } from "zod";
import { notFound, requireUser } from "#app/auth/permissions.server.ts";
import { parseId, readSearch } from "#app/http/forms.server.ts";
import { joinAccess, mintJoinToken } from "#app/live/sessions.server.ts";
import { placementFor } from "#app/live/placement.server.ts";
import { nodeId } from "#live/node-registry.server.ts";
import type { QrCheckinResult } from "#app/live/qr-checkin.client.ts";
import { refusalKey } from "#app/live/refusal-text.ts";
import { schemas } from "#live/wire.ts";
import { useT } from "#app/i18n/use-t.ts";
import liveStyles from "#app/styles/live.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: liveStyles }];
export const headers: HeadersFunction = () => ({ "Cache-Control": "private, no-store" });

// The shape the media server accepts (the shared wire contract); anything else is a bad scan, said before connecting.
const searchSchema = z.object({
  code: schemas.qrCheckin.shape.code.optional().catch(undefined),
  // Several media nodes: the node holding the cell room whose screen shows the QR (ADR 0016).
  node: nodeId.optional().catch(undefined),
});

/**
 * Where a cell room's QR leads: a member's phone checks in at that room. Signing in comes first
 * (requireUser sends the member back here with the code). Only invited members get the page, as
 * with the session page; the token carries the "check-in" role, which can check in and nothing else.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { member } = await requireUser(request, context);
  const access = await joinAccess(context.db, parseId(params.sessionId), member);
  if (!access || !access.invited) notFound();
  const { code, node } = readSearch(request, searchSchema);
  const s = access.session;
  const secret = context.env.JOIN_TOKEN_SECRET;
  // The phone goes where the cell room's screen is: the QR's node while it is live (the code is
  // known only there). Not live, or a single node: no node, and the relay's default.
  const placement = node ? placementFor(context.env.REDIS_URL) : undefined;
  // Redis not answering: no node either (the phone then tries the default node).
  const at = placement && node ? await placement.then((p) => p.node(node)).then((n) => n?.id, () => undefined) : undefined;
  const minted = secret && s.state !== "ended" && code ? mintJoinToken(secret, member, s.id, "check-in", member.unitId, Date.now(), at) : null;
  return data(
    {
      session: { id: s.id, title: s.title, state: s.state },
      member: { name: member.fullName, code: member.code },
      code: code ?? null,
      token: minted?.token ?? null,
      node: minted?.node ?? null,
    },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

export default function QrCheckinPage() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  const [check, setCheck] = useState<typeof import("#app/live/qr-checkin.client.ts").checkInByQr | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<QrCheckinResult | null>(null);
  useEffect(() => {
    // socket.io needs the browser: loaded only here.
    void import("#app/live/qr-checkin.client.ts").then((m) => setCheck(() => m.checkInByQr));
  }, []);

  const confirm = async () => {
    if (!check || !d.token || !d.code) return;
    setBusy(true);
    setResult(await check(d.token, d.code, d.node));
    setBusy(false);
  };

  const cellName = result?.ok ? (result.cell?.name ?? "") : "";
  const errorText = (r: Extract<QrCheckinResult, { ok: false }>) =>
    r.code === "session-ended" ? t("checkin.page.ended") : r.code === "unreachable" ? t("checkin.page.unreachable") : t(refusalKey(r.code));

  return (
    <div className="checkin-page">
      <h1>{t("checkin.page.title")}</h1>
      <p>
        <strong>{d.session.title}</strong>
      </p>
      <p className="muted">{t("checkin.page.who", { name: d.member.name, code: d.member.code })}</p>
      {d.session.state === "ended" ? (
        <p className="notice notice-error" role="alert">
          {t("checkin.page.ended")}
        </p>
      ) : !d.code ? (
        <p className="notice notice-error" role="alert">
          {t("checkin.page.badCode")}
        </p>
      ) : result?.ok ? (
        <p className="notice notice-ok" role="status" data-testid="checkin-done">
          {result.already ? t("checkin.page.already", { cell: cellName }) : t("checkin.page.done", { cell: cellName })}
        </p>
      ) : (
        <section className="card">
          <p>{t("checkin.page.explain")}</p>
          {result && !result.ok ? (
            <p className="notice notice-error" role="alert" data-testid="checkin-error" data-code={result.code}>
              {errorText(result)}
            </p>
          ) : null}
          <button type="button" className="checkin-confirm" disabled={!check || !d.token || busy} onClick={() => void confirm()} data-testid="checkin-confirm">
            {busy ? t("checkin.page.working") : !check ? t("checkin.page.loading") : t("checkin.page.confirm")}
          </button>
        </section>
      )}
      <p className="small">
        <Link to={`/live/${d.session.id}`}>{t("checkin.page.back")}</Link>
      </p>
    </div>
  );
}
