// Admission control against a tiny budget (real worker, signalling only): beyond capacity a viewer
// gets "session full" with an audio-only offer while audio still fits, then "try again".
import { describe, expect, it } from "vitest";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeSession } from "#tests/factories/live.ts";
import { connected, request, tokenFor } from "#tests/harness/media.ts";
import { useMediaSuite } from "#tests/harness/media-suite.ts";

// One worker, five consumer slots: presenter (2) + one full viewer (2) + one audio-only viewer (1).
const live = useMediaSuite({ env: { MEDIA_WORKERS: "1", CONSUMERS_PER_WORKER: "5" } });

const join = async (token: string, payload: object = {}) => {
  const s = await connected(live.open(token));
  return { s, reply: await request(s, "join", payload) };
};

describe("admission control", () => {
  it("offers audio only, then asks to try again, and never crashes", async () => {
    const t = await makeTree(live.db);
    const presenter = await makeMember(live.db, t.root, { password: false });
    const viewers = await Promise.all([1, 2, 3].map(() => makeMember(live.db, t.a1, { password: false })));
    const session = await makeSession(live.db, { inviteUnits: [t.a], presenters: [presenter] });

    expect((await join(tokenFor(presenter, session.id, "presenter"))).reply.error).toBeUndefined();
    expect((await join(tokenFor(viewers[0], session.id))).reply.error).toBeUndefined();

    const full = await join(tokenFor(viewers[1], session.id));
    expect(full.reply).toMatchObject({ error: "session-full", audioOnly: true });
    expect(full.reply).not.toHaveProperty("message");
    // The same socket takes the offer.
    const audio = await request(full.s, "join", { audioOnly: true });
    expect(audio.error).toBeUndefined();
    expect(audio.audioOnly).toBe(true);

    const none = await join(tokenFor(viewers[2], session.id));
    expect(none.reply).toMatchObject({ error: "session-full", audioOnly: false });
    expect((await request(none.s, "join", { audioOnly: true })).error).toBe("session-full");

    // A viewer leaving frees its slots for the next one.
    expect(await request(live.sockets[1], "leave")).toEqual({ ok: true });
    expect(live.server.pool.workers[0].load).toBe(3);
    expect((await request(none.s, "join", {})).error).toBeUndefined();
    expect(live.server.pool.workers[0].load).toBe(5);
    const health = await fetch(`${live.server.url}/healthz`).then((r) => r.json());
    expect(health.ok).toBe(true);
  }, 60_000);
});
