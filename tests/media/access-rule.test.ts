// The one access rule (#live/access.server.ts), read by both processes: what the app's token
// route would sign and what the media server admits must agree for every member and role.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { joinAccess, resolveMode } from "#app/live/sessions.server.ts";
import { joinRefusal, mayJoinAs } from "#live/access.server.ts";
import type { JoinMode } from "#live/join-token.ts";
import { signJoinToken } from "#live/join-token.server.ts";
import { authenticate } from "../../media-server/src/auth.ts";
import { silentLogger } from "../../media-server/src/log.ts";
import { makeSession } from "#tests/factories/live.ts";
import { JOIN_TOKEN_SECRET } from "#tests/harness/media.ts";

let db: Awaited<ReturnType<typeof testDb>>;
beforeAll(async () => {
  db = await testDb();
});
afterAll(() => dropDb(db));

describe("who may join as what", () => {
  it("the rule: presenters present, invited members do everything else", () => {
    for (const presenter of [false, true])
      for (const invited of [false, true]) {
        expect(mayJoinAs({ presenter, invited }, "presenter")).toBe(presenter);
        for (const role of ["viewer", "cell-room", "check-in"] as const) expect(mayJoinAs({ presenter, invited }, role)).toBe(invited);
      }
  });

  it("the app signs a role exactly when the media server admits it", async () => {
    const t = await makeTree(db);
    const presenterOnly = await makeMember(db, t.root, { password: false });
    const presenterInvited = await makeMember(db, t.a1, { password: false });
    const viewer = await makeMember(db, t.a1, { password: false });
    const outsider = await makeMember(db, t.b1, { password: false });
    const session = await makeSession(db, { inviteUnits: [t.a], presenters: [presenterOnly, presenterInvited] });
    const modes: JoinMode[] = ["presenter", "viewer"];
    let compared = 0;
    for (const m of [presenterOnly, presenterInvited, viewer, outsider]) {
      const member = { id: m.id, code: m.code, fullName: m.fullName, role: "member" as const, unitId: m.unitId };
      for (const mode of modes) {
        const access = await joinAccess(db, session.id, member);
        const signs = !!access && !!await resolveMode(db, access, member, mode, null);
        const token = signJoinToken({ memberId: m.id, memberCode: m.code, name: m.fullName, sessionId: session.id, role: mode, unitId: m.unitId }, JOIN_TOKEN_SECRET);
        const admitted = await authenticate({ db, secret: JOIN_TOKEN_SECRET, allowedOrigins: ["http://app.test"], log: silentLogger }, { origin: "http://app.test", token });
        expect(admitted.ok, `${m.code} as ${mode}`).toBe(signs);
        expect(await joinRefusal(db, { sessionId: session.id, memberId: m.id, role: mode }) === null).toBe(signs);
        compared++;
      }
    }
    expect(compared).toBe(8);
    // And the refusals say which part of the rule failed.
    expect(await joinRefusal(db, { sessionId: session.id, memberId: outsider.id, role: "viewer" })).toBe("not-invited");
    expect(await joinRefusal(db, { sessionId: session.id, memberId: viewer.id, role: "presenter" })).toBe("not-presenter");
    expect(await joinRefusal(db, { sessionId: session.id + 999, memberId: viewer.id, role: "viewer" })).toBe("unknown-session");
  });
});
