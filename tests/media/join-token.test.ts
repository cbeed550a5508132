import { describe, expect, it } from "vitest";
import { signJoinToken, verifyJoinToken } from "#live/join-token.server.ts";
import { createHmac } from "node:crypto";
import { ConfigError, iceServersFor, parseConfig } from "../../media-server/src/config.ts";

const SECRET = "a-secret-of-at-least-thirty-two-characters!";
const base = { memberId: 7, memberCode: "DV00007", name: "Nguyễn Văn An", sessionId: 3, role: "viewer" as const, unitId: 42 };

describe("join token", () => {
  it("round-trips and carries a nonce", () => {
    const now = Date.now();
    const t = signJoinToken({ ...base, now }, SECRET);
    const r = verifyJoinToken(t, SECRET, now + 1000);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.payload).toMatchObject({ ...base, iat: now });
      expect(r.payload.jti.length).toBeGreaterThanOrEqual(16);
      expect(r.payload.exp).toBeGreaterThan(now);
    }
    expect(signJoinToken({ ...base, now }, SECRET)).not.toBe(t);
  });

  it("names the media node it was placed on only when placed (ADR 0016), and only a valid node id", () => {
    const now = Date.now();
    const plain = verifyJoinToken(signJoinToken({ ...base, now }, SECRET), SECRET, now);
    expect(plain.ok && "node" in plain.payload).toBe(false);
    const placed = verifyJoinToken(signJoinToken({ ...base, now, node: "edge-2.hanoi" }, SECRET), SECRET, now);
    expect(placed.ok && placed.payload.node).toBe("edge-2.hanoi");
    expect(() => signJoinToken({ ...base, now, node: "edge 2/../x" }, SECRET)).toThrow();
    // A signed payload whose node is not a node id is malformed, whoever signed it.
    const part = Buffer.from(JSON.stringify({ ...base, iat: now, exp: now + 60_000, jti: "x".repeat(22), node: "" })).toString("base64url");
    const sig = createHmac("sha256", SECRET).update("hsjt1." + part).digest("base64url");
    expect(verifyJoinToken(`${part}.${sig}`, SECRET, now)).toEqual({ ok: false, reason: "malformed" });
  });

  it("refuses an expired token, another secret, a tampered payload, and junk", () => {
    const now = Date.now();
    const t = signJoinToken({ ...base, now, ttlMs: 60_000 }, SECRET);
    expect(verifyJoinToken(t, SECRET, now + 60_000)).toEqual({ ok: false, reason: "expired" });
    expect(verifyJoinToken(t, SECRET.replace("a", "b"), now)).toEqual({ ok: false, reason: "bad-signature" });
    const [p, s] = t.split(".");
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, "base64url").toString()), sessionId: 4 })).toString("base64url");
    expect(verifyJoinToken(`${forged}.${s}`, SECRET, now)).toEqual({ ok: false, reason: "bad-signature" });
    for (const junk of [undefined, 42, "", "a.b.c", "a", `${p}.`, "x".repeat(5000), `${p}.${s}x`]) {
      expect(verifyJoinToken(junk, SECRET, now).ok).toBe(false);
    }
  });

  it("needs a secret of 32 characters or more", () => {
    expect(() => signJoinToken(base, "short")).toThrow();
  });
});

describe("media server config", () => {
  it("has safe defaults in tests and parses lists", () => {
    const c = parseConfig({ NODE_ENV: "test", APP_ORIGINS: "https://hocso.example.vn/, http://localhost:3000", ICE_SERVERS: '[{"urls":["turn:t.example.vn:3478?transport=tcp"],"username":"u","credential":"p"}]' });
    expect(c.port).toBe(3100);
    expect(c.host).toBe("0.0.0.0");
    expect(c.rtc.listenIp).toBe("127.0.0.1");
    expect(c.allowedOrigins).toEqual(["https://hocso.example.vn", "http://localhost:3000"]);
    expect(c.iceServers[0].username).toBe("u");
    expect(c.consumersPerWorker).toBe(500);
    expect(c.reconnectWindowMs).toBe(60_000);
    expect(c.workers).toBeGreaterThanOrEqual(1);
  });

  it("gives each member a short-lived coturn credential (use-auth-secret)", () => {
    const c = parseConfig({ NODE_ENV: "test", TURN_URLS: "turn:turn.example.vn:3478?transport=udp, turn:turn.example.vn:3478?transport=tcp", TURN_SECRET: "coturn-static-auth-secret", TURN_CREDENTIAL_SECONDS: "3600" });
    const now = 1_800_000_000_000;
    const [turn] = iceServersFor(c, 42, now);
    expect(turn.urls).toEqual(["turn:turn.example.vn:3478?transport=udp", "turn:turn.example.vn:3478?transport=tcp"]);
    expect(turn.username).toBe(`${1_800_000_000 + 3600}:42`);
    expect(turn.credential).toBe(createHmac("sha1", "coturn-static-auth-secret").update(turn.username!).digest("base64"));
    expect(() => parseConfig({ NODE_ENV: "test", TURN_URLS: "turn:x.vn:3478" })).toThrow(/TURN_SECRET/);
    expect(() => parseConfig({ NODE_ENV: "test", TURN_URLS: "http://x.vn", TURN_SECRET: "coturn-static-auth-secret" })).toThrow(/TURN_URLS/);
  });

  it("explains every problem in Vietnamese and English", () => {
    try {
      parseConfig({ NODE_ENV: "production", JOIN_TOKEN_SECRET: "short", APP_ORIGINS: "https://a.vn", RTC_MIN_PORT: "5000", RTC_MAX_PORT: "4000" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as Error).message;
      expect(msg).toContain("Cấu hình máy chủ truyền hình không hợp lệ / Invalid media server configuration");
      expect(msg).toContain("JOIN_TOKEN_SECRET");
      expect(msg).toContain("RTC_MIN_PORT");
    }
    expect(() => parseConfig({ NODE_ENV: "test", ICE_SERVERS: "not json" })).toThrow(/ICE_SERVERS/);
    expect(() => parseConfig({ NODE_ENV: "production", APP_ORIGINS: "https://a.vn" })).toThrow(/JOIN_TOKEN_SECRET/);
  });
});
