/**
 * The app → media node control contract (ADR 0014): a trainer in scope starts or stops a session's
 * recording from the manage page, and the app asks the node that is the session's origin.
 *
 * HTTP on the node's own listener (the one the app already reaches: MEDIA_INTERNAL_URL on one
 * node, the node's `socketUrl` from the registry on several), POST + JSON under `/control/`, which
 * the app's relay never forwards (it relays only `/socket.io/` upgrades). Every request carries
 * `authorization: Bearer <controlKey(JOIN_TOKEN_SECRET)>`: the join-token secret is the one both
 * sides already share on one node and on many, and whoever holds it can already sign a presenter's
 * token; the key is derived so the secret itself never travels. Bodies and replies are zod-checked
 * on both sides; refusals are `{ error: code }` with a status (404 no room here, 409 not in that
 * state, 503 the recorder could not start).
 */
import { createHmac } from "node:crypto";
import { z } from "zod";

export const CONTROL_PREFIX = "/control/";

/** The bearer key of the control calls, derived from the join-token secret. */
export function controlKey(joinTokenSecret: string): string {
  return createHmac("sha256", joinTokenSecret).update("hocso media control v1").digest("base64url");
}

export const CONTROL_REFUSALS = ["no-room", "not-live", "no-presenter", "recording-unavailable"] as const;
export type ControlRefusal = (typeof CONTROL_REFUSALS)[number];

export const mediaControl = {
  /** app → origin node: start or stop recording the session, as its presenter's event does. */
  recording: {
    path: "/control/recording",
    body: z
      .object({
        sessionId: z.number().int().positive(),
        action: z.enum(["start", "stop"]),
        /** The trainer asking (recorded as `started_by`). */
        memberId: z.number().int().positive(),
      })
      .strict(),
    reply: z.object({ active: z.boolean(), since: z.number().int().nullable() }).strict(),
  },
} as const;

export type ControlCall = (typeof mediaControl)[keyof typeof mediaControl];
