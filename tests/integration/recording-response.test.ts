import { afterAll, beforeAll, expect, test } from "vitest";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { recordingResponse } from "#app/live/recordings.server.ts";

/**
 * The recording's bytes as the browser's player asks for them: the whole file, one range, a
 * suffix range, and an unsatisfiable one — streamed from disk (a real file), so what arrives is
 * exactly the file's bytes.
 */
const dir = path.resolve(import.meta.dirname, "..", ".tmp");
let file: string;
let bytes: Buffer;
beforeAll(() => {
  fs.mkdirSync(dir, { recursive: true });
  file = path.join(dir, `rec-${process.pid}.webm`);
  bytes = crypto.randomBytes(3 * 1024 * 1024 + 17); // several read chunks, not a round size
  fs.writeFileSync(file, bytes);
});
afterAll(() => fs.rmSync(file, { force: true }));

const body = async (r: Response) => Buffer.from(await r.arrayBuffer());

test("no Range: the whole file, 200, its length", async () => {
  const r = recordingResponse(file, null);
  expect(r.status).toBe(200);
  expect(r.headers.get("content-length")).toBe(String(bytes.length));
  expect(r.headers.get("accept-ranges")).toBe("bytes");
  expect((await body(r)).equals(bytes)).toBe(true);
});

test("bytes=a-b and bytes=a-: 206 with exactly those bytes and their Content-Range", async () => {
  const r = recordingResponse(file, "bytes=1000-2999999");
  expect(r.status).toBe(206);
  expect(r.headers.get("content-range")).toBe(`bytes 1000-2999999/${bytes.length}`);
  expect((await body(r)).equals(bytes.subarray(1000, 3_000_000))).toBe(true);
  const open = recordingResponse(file, "bytes=3145000-");
  expect(open.headers.get("content-range")).toBe(`bytes 3145000-${bytes.length - 1}/${bytes.length}`);
  expect((await body(open)).equals(bytes.subarray(3_145_000))).toBe(true);
});

test("bytes=-n: the last n bytes", async () => {
  const r = recordingResponse(file, "bytes=-500");
  expect(r.status).toBe(206);
  expect((await body(r)).equals(bytes.subarray(bytes.length - 500))).toBe(true);
});

test("a range past the end is 416 with the size, and nothing is read", async () => {
  const r = recordingResponse(file, `bytes=${bytes.length}-`);
  expect(r.status).toBe(416);
  expect(r.headers.get("content-range")).toBe(`bytes */${bytes.length}`);
});

test("a reader that stops early does not leave the file being read to the end", async () => {
  const r = recordingResponse(file, null);
  const reader = r.body!.getReader();
  const first = await reader.read();
  expect(first.done).toBe(false);
  await reader.cancel();
  // Cancelled: the stream is done, and reading again yields nothing more.
  expect((await reader.read()).done).toBe(true);
});
