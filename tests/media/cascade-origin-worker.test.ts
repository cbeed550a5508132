// The origin's worker dies mid-broadcast (ADR 0016, "rejoin" across nodes), all real: two media
// nodes (node-a origin only, node-b edge only) sharing one SQLite file and a redis-server, the
// presenter in Chromium on node-a, a viewer in Chromium on node-b. The origin's only worker is
// SIGKILLed: node-a rebuilds the room on its replacement worker and its presenter rejoins and
// republishes (new producers); the pipes to node-b closed with the old router, so node-b's relayed
// producers close and, when the origin announces the new ones, node-b pipes them in. The edge's
// viewer, whose own transports never broke, is not told to rejoin: it decodes again on new
// consumers on the same socket.
import { beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { Placement } from "#app/live/placement.server.ts";
import { makeLiveBroadcast } from "#tests/factories/live.ts";
import { tokenFor, waitFor } from "#tests/harness/media.ts";
import { openLiveClient } from "#tests/harness/live-client-page.ts";
import { useMediaNodes } from "#tests/harness/media-nodes.ts";
import { silentLogger } from "../../media-server/src/log.ts";

const cluster = useMediaNodes({
  world: makeLiveBroadcast,
  browser: true,
  nodes: () => ({ a: { id: "node-a", env: { MEDIA_NODE_ROLES: "origin" } }, b: { id: "node-b", env: { MEDIA_NODE_ROLES: "edge" } } }),
});
let presenter: Page;
let viewer: Page;

type Stats = Awaited<ReturnType<NonNullable<Window["live"]>["stats"]>>;
const stats = (page: Page) => page.evaluate(() => window.live!.stats()) as Promise<Stats>;
const clientLog = (page: Page) => page.evaluate(() => window.live?.log ?? []);

beforeAll(async () => {
  const { w, client, browser, pages, nodes: { a, b } } = cluster;
  // The app's placement records node-a as the session's origin; the edge carries from it.
  expect(await new Placement(client, { log: silentLogger }).place(w.session.id, "presenter")).toMatchObject({ ok: true, node: { id: "node-a" } });
  presenter = await openLiveClient(browser, pages, { url: a.url, token: tokenFor(w.presenter, w.session.id, "presenter", { node: "node-a" }), role: "presenter" });
  await waitFor(async () => (await stats(presenter)).producers === 2, "presenter producing on node-a", 60_000);
  viewer = await openLiveClient(browser, pages, { url: b.url, token: tokenFor(w.viewer, w.session.id, "viewer", { node: "node-b" }), role: "viewer" });
}, 600_000);

describe("the origin's worker dies", () => {
  it("the presenter republishes on the origin's new worker and the edge's viewer decodes again, on the same socket", async () => {
    const { a, b } = cluster.nodes;
    const decoding = (old: Set<string>) => async () => {
      const st = await stats(viewer);
      return st.video.some((v) => !old.has(v.consumerId) && v.framesDecoded > 0) && st;
    };
    const before = await waitFor(decoding(new Set()), "the edge's viewer decoding", 120_000);
    const workerPid = async () => ((await (await fetch(`${a.url}/healthz`)).json()) as { workers: { pid: number }[] }).workers[0]?.pid;
    const pid = await workerPid();
    const oldProducers = new Set(await presenter.evaluate(() => [...window.live!.producers.keys()]));
    process.kill(pid!, "SIGKILL");
    // The presenter rejoins on node-a's replacement worker with new producers.
    await waitFor(async () => {
      const ids = await presenter.evaluate(() => [...window.live!.producers.keys()]);
      return ids.length === 2 && ids.every((id) => !oldProducers.has(id));
    }, "the presenter republished", 120_000);
    expect((await stats(presenter)).rejoins).toBeGreaterThanOrEqual(1);
    const after = await waitFor(decoding(new Set(before.video.map((v) => v.consumerId))), "the edge's viewer decoding again", 120_000).catch(async (e) => {
      throw new Error(`${e.message}\nviewer log:\n${(await clientLog(viewer)).join("\n")}\nnode-b:\n${b.output().slice(-3000)}\nnode-a:\n${a.output().slice(-3000)}`);
    });
    // Its own node's worker lived: the same socket, no rejoin asked.
    expect(after.connected).toBe(true);
    expect(after.rejoins).toBe(0);
    expect(after.joins).toBe(1);
    expect(await workerPid()).not.toBe(pid);
  }, 300_000);
});
