import { describe, expect, test } from "vitest";
import { parseEnv, publicOriginOf } from "#app/env.server.ts";

/**
 * Absolute URLs that leave the app (reminder e-mail links, certificate QR codes) come from
 * configuration, never from the request's Host header, which a client can forge.
 */
describe("public origin", () => {
  test("is APP_ORIGIN when set (without a trailing slash)", () => {
    expect(publicOriginOf(parseEnv({ APP_ORIGIN: "https://hocso.example.vn/" }))).toBe("https://hocso.example.vn");
  });

  test("is this machine when unset, whatever Host a request carried", () => {
    expect(publicOriginOf(parseEnv({ PORT: "3210" }))).toBe("http://localhost:3210");
  });

  test("sending e-mail without APP_ORIGIN is refused at start, with the reason in both languages", () => {
    expect(() => parseEnv({ SMTP_URL: "smtp://mail.example.vn:587" })).toThrow(/APP_ORIGIN.*SMTP_URL/s);
    expect(parseEnv({ SMTP_URL: "smtp://mail.example.vn:587", APP_ORIGIN: "https://hocso.example.vn" }).APP_ORIGIN).toBe("https://hocso.example.vn");
  });
});
