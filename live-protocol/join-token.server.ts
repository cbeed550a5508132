/**
 * Short-lived join tokens for live sessions: the app signs one in a page loader, the media server
 * verifies it on every socket connection (first connect and each reconnection).
 *
 * Format: `<base64url(JSON payload)>.<base64url(HMAC-SHA256(secret, "hsjt1." + payloadPart))>`.
 * Dependency-free (node:crypto only); the app signs, the media server verifies (live-protocol is
 * shared by both and owned by neither). The signature is
 * compared in constant time; the payload is validated field by field before it is trusted.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { JOIN_ROLES, type JoinTokenPayload } from "./join-token.ts";

export type JoinTokenInput = Omit<JoinTokenPayload, "iat" | "exp" | "jti"> & {
  /** Lifetime in ms; default 10 minutes, at most 24 hours. */
  ttlMs?: number;
  now?: number;
  jti?: string;
};

export type VerifyResult =
  | { ok: true; payload: JoinTokenPayload }
  | { ok: false; reason: "malformed" | "bad-signature" | "expired" | "not-yet-valid" };

const DEFAULT_JOIN_TOKEN_TTL_MS = 10 * 60_000;
const MAX_TTL_MS = 24 * 60 * 60_000;
/** Tolerated clock difference between the app and the media server. */
const CLOCK_SKEW_MS = 60_000;
const MAX_TOKEN_LENGTH = 2048;
const DOMAIN = "hsjt1.";
const MIN_SECRET_LENGTH = 32;
/** A media node id, as the node registry allows it. */
const NODE_ID = /^[A-Za-z0-9._-]{1,64}$/;

function assertSecret(secret: string) {
  if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`join token secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
}

function mac(secret: string, payloadPart: string): Buffer {
  return createHmac("sha256", secret).update(DOMAIN + payloadPart).digest();
}

const isPosInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v > 0;
const isShortString = (v: unknown, max: number): v is string => typeof v === "string" && v.length > 0 && v.length <= max;

function validPayload(p: unknown): p is JoinTokenPayload {
  if (typeof p !== "object" || p === null || Array.isArray(p)) return false;
  const o = p as Record<string, unknown>;
  return (
    isPosInt(o.memberId) &&
    isShortString(o.memberCode, 64) &&
    isShortString(o.name, 200) &&
    isPosInt(o.sessionId) &&
    typeof o.role === "string" &&
    (JOIN_ROLES as readonly string[]).includes(o.role) &&
    isPosInt(o.unitId) &&
    isPosInt(o.iat) &&
    isPosInt(o.exp) &&
    isShortString(o.jti, 64) &&
    (o.node === undefined || (typeof o.node === "string" && NODE_ID.test(o.node)))
  );
}

export function signJoinToken(input: JoinTokenInput, secret: string): string {
  assertSecret(secret);
  const now = input.now ?? Date.now();
  const ttl = Math.min(Math.max(1, input.ttlMs ?? DEFAULT_JOIN_TOKEN_TTL_MS), MAX_TTL_MS);
  const payload: JoinTokenPayload = {
    memberId: input.memberId,
    memberCode: input.memberCode,
    name: input.name.normalize("NFC"),
    sessionId: input.sessionId,
    role: input.role,
    unitId: input.unitId,
    iat: now,
    exp: now + ttl,
    jti: input.jti ?? randomBytes(16).toString("base64url"),
    // Only when placed: a single node's tokens stay as they were.
    ...(input.node !== undefined ? { node: input.node } : {}),
  };
  if (!validPayload(payload)) throw new Error("invalid join token payload");
  const payloadPart = Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
  return `${payloadPart}.${mac(secret, payloadPart).toString("base64url")}`;
}

export function verifyJoinToken(token: unknown, secret: string, now: number = Date.now()): VerifyResult {
  assertSecret(secret);
  if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: "malformed" };
  const parts = token.split(".");
  if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]) || !/^[A-Za-z0-9_-]+$/.test(parts[1])) {
    return { ok: false, reason: "malformed" };
  }
  const [payloadPart, sigPart] = parts;
  const expected = mac(secret, payloadPart);
  const given = Buffer.from(sigPart, "base64url");
  // Length check first: timingSafeEqual throws on different lengths (the length is not secret).
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "bad-signature" };
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(payloadPart, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (!validPayload(payload)) return { ok: false, reason: "malformed" };
  if (payload.exp <= now) return { ok: false, reason: "expired" };
  if (payload.iat > now + CLOCK_SKEW_MS || payload.exp - payload.iat > MAX_TTL_MS) return { ok: false, reason: "not-yet-valid" };
  return { ok: true, payload };
}
