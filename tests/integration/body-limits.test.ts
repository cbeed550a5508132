import { beforeAll, describe, expect, test } from "vitest";
import net from "node:net";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { client } from "#tests/harness/http.ts";
import { useAppServer } from "#tests/harness/app-suite.ts";
import { bodyLimitFor, DEFAULT_BODY_MAX_BYTES, IMPORT_MAX_BYTES, judgeBody, LESSON_MAX_BYTES, UPLOAD_MAX_BYTES } from "#app/http/body-limits.ts";

/**
 * Nobody, signed in or not, can make the app buffer a huge body: every request body has a limit by
 * route, judged from its Content-Length before a byte of it is read. The probe that found it posted
 * 600 MB to /login and took the app from 285 MB to 1.47 GB.
 */

const srv = useAppServer();

beforeAll(async () => {
  const tree = await makeTree(srv.db);
  await makeMember(srv.db, tree.root, { code: "ADMIN", role: "admin" });
});

/** Sends only the head of a request (and `sendBytes` of its body) and returns what the server says. */
function rawHead(path: string, headers: Record<string, string>, sendBytes = 0): Promise<string> {
  const { hostname, port } = new URL(srv.origin);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname);
    let answer = "";
    sock.on("data", (d) => {
      answer += d.toString("utf8");
      if (answer.includes("\r\n\r\n")) {
        sock.destroy();
        resolve(answer);
      }
    });
    sock.on("error", (e) => (answer ? resolve(answer) : reject(e)));
    sock.on("close", () => resolve(answer));
    const head = [`POST ${path} HTTP/1.1`, `Host: ${hostname}:${port}`, `Origin: ${srv.origin}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    sock.write(head.join("\r\n") + "\r\n\r\n");
    if (sendBytes) sock.write("x".repeat(sendBytes));
  });
}

describe("the limit table", () => {
  test("files only where files are taken; the single-fetch .data path counts as its route", () => {
    expect(bodyLimitFor("/login")).toBe(DEFAULT_BODY_MAX_BYTES);
    expect(bodyLimitFor("/lang")).toBe(DEFAULT_BODY_MAX_BYTES);
    expect(bodyLimitFor("/api/quiz/12")).toBe(DEFAULT_BODY_MAX_BYTES);
    expect(bodyLimitFor("/api/uploads")).toBeGreaterThan(UPLOAD_MAX_BYTES);
    expect(bodyLimitFor("/api/uploads/")).toBeGreaterThan(UPLOAD_MAX_BYTES);
    expect(bodyLimitFor("/manage/import.data")).toBeGreaterThan(IMPORT_MAX_BYTES);
    expect(bodyLimitFor("/manage/import/x")).toBe(DEFAULT_BODY_MAX_BYTES);
    expect(bodyLimitFor("/api/lessons/3/bai-1")).toBe(LESSON_MAX_BYTES);
    expect(bodyLimitFor("/api/uploadsX")).toBe(DEFAULT_BODY_MAX_BYTES);
  });

  test("judged from the headers: exactly at the limit passes, one byte over does not, nonsense lengths do not", () => {
    expect(judgeBody("POST", "/login", { contentLength: String(DEFAULT_BODY_MAX_BYTES) })).toEqual({ ok: true });
    expect(judgeBody("POST", "/login", { contentLength: String(DEFAULT_BODY_MAX_BYTES + 1) })).toMatchObject({ ok: false, status: 413 });
    expect(judgeBody("POST", "/login", { contentLength: "-1" })).toMatchObject({ ok: false, status: 413 });
    expect(judgeBody("POST", "/login", { contentLength: "1e9" })).toMatchObject({ ok: false, status: 413 });
    expect(judgeBody("POST", "/login", { transferEncoding: "chunked" })).toMatchObject({ ok: false, status: 411 });
    expect(judgeBody("GET", "/login", { contentLength: String(10 * DEFAULT_BODY_MAX_BYTES) })).toEqual({ ok: true });
  });
});

describe("over HTTP, before reading", () => {
  test("600 MB announced to /login without signing in: 413 after 10 bytes, in the reader's language", async () => {
    const answer = await rawHead("/login", { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": String(600 << 20) }, 10);
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer.toLowerCase()).toContain("connection: close");
    const en = await rawHead("/lang", { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": String(600 << 20), "Accept-Language": "en" }, 10);
    expect(en).toMatch(/^HTTP\/1\.1 413/);
  });

  test("a JSON api route and an upload route are bounded too (the upload at its own, larger limit)", async () => {
    expect(await rawHead("/api/quiz/1", { "Content-Type": "application/json", "Content-Length": String(2 << 20) }, 10)).toMatch(/^HTTP\/1\.1 413/);
    expect(await rawHead("/api/uploads", { "Content-Type": "multipart/form-data; boundary=x", "Content-Length": String(600 << 20) }, 10)).toMatch(/^HTTP\/1\.1 413/);
  });

  test("a chunked body with no length is refused with 411", async () => {
    const answer = await rawHead("/login", { "Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked" });
    expect(answer).toMatch(/^HTTP\/1\.1 411/);
  });

  test("the message says the limit, and ordinary forms still work", async () => {
    const res = await fetch(`${srv.origin}/login`, {
      method: "POST",
      headers: { origin: srv.origin, "content-type": "application/x-www-form-urlencoded" },
      body: "identifier=ADMIN&password=" + "x".repeat(DEFAULT_BODY_MAX_BYTES),
    });
    expect(res.status).toBe(413);
    expect(await res.text()).toBe("Nội dung gửi lên quá lớn (tối đa 1 MB).");
    // In the reader's language: the language cookie first, then Accept-Language.
    const say = async (headers: Record<string, string>) =>
      (await fetch(`${srv.origin}/login`, { method: "POST", headers: { origin: srv.origin, "content-type": "application/x-www-form-urlencoded", ...headers }, body: "x".repeat(DEFAULT_BODY_MAX_BYTES + 1) })).text();
    expect(await say({ "accept-language": "en-GB,en;q=0.9" })).toBe("The request body is too large (1 MB at most).");
    expect(await say({ "accept-language": "en", cookie: "hocso_lang=vi" })).toBe("Nội dung gửi lên quá lớn (tối đa 1 MB).");
    const c = client(srv.origin);
    await c.signIn("ADMIN");
    expect((await c.request("/manage/units")).status).toBe(200);
  });

  test("the app keeps serving after a burst of oversized posts", async () => {
    await Promise.all(Array.from({ length: 8 }, () => rawHead("/login", { "Content-Type": "text/plain", "Content-Length": String(250 << 20) }, 1000)));
    expect((await fetch(`${srv.origin}/login`)).status).toBe(200);
  });
});

describe("malformed multipart bodies", () => {
  const bodies: [string, string, string][] = [
    ["no boundary", "multipart/form-data", "--x\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nunits\r\n--x--\r\n"],
    ["unterminated", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nma,ten"],
    ["no Content-Disposition", "multipart/form-data; boundary=x", "--x\r\nContent-Type: text/csv\r\n\r\nma,ten\r\n--x--\r\n"],
    ["garbage", "multipart/form-data; boundary=x", "\x00\x01\x02 not a multipart body at all"],
  ];
  for (const path of ["/api/uploads", "/manage/import"]) {
    for (const [name, type, body] of bodies) {
      test(`${path}, ${name}: 400 with a message, no stack trace`, async () => {
        const c = client(srv.origin);
        await c.signIn("ADMIN");
        const res = await c.request(path, { method: "POST", headers: { "content-type": type }, body });
        expect(res.status).toBe(400);
        const text = await res.text();
        expect(text).not.toMatch(/at .*\.(js|ts):\d+/);
        if (path === "/api/uploads") expect(JSON.parse(text).messages[0]).toMatch(/\p{L}{3,}/u);
      });
    }
  }
});
