// The link a cell room's QR carries (ADR 0010, ADR 0016): on a single media node just the session
// and the code, as before; with several nodes also the node holding the screen's room, so the
// phone's check-in is placed where that code is known. The check-in page reads both back with the
// wire contract's and the registry's own schemas.
import { describe, expect, it } from "vitest";
import { checkinUrl } from "#app/live/checkin-qr.client.tsx";
import { nodeId } from "#live/node-registry.server.ts";
import { schemas } from "#live/wire.ts";

const CODE = "AbCdEfGhIjKlMn_-";

describe("checkinUrl", () => {
  it("names no node on a single media node", () => {
    expect(checkinUrl("https://hocso.example.vn", 12, CODE)).toBe(`https://hocso.example.vn/live/12/check-in?code=${CODE}`);
    expect(checkinUrl("https://hocso.example.vn", 12, CODE, null)).toBe(`https://hocso.example.vn/live/12/check-in?code=${CODE}`);
  });

  it("names the screen's node, and both parts read back as the check-in page parses them", () => {
    const url = new URL(checkinUrl("https://hocso.example.vn", 12, CODE, "media-2.hn"));
    expect(url.pathname).toBe("/live/12/check-in");
    expect(schemas.qrCheckin.shape.code.parse(url.searchParams.get("code"))).toBe(CODE);
    expect(nodeId.parse(url.searchParams.get("node"))).toBe("media-2.hn");
  });
});
