import { first } from "#db/first.ts";
// Chat and Q&A of a live session: the media server in-process (real mediasoup worker, real SQLite
// file) driven by socket.io clients, plus the rate limiter with a fake clock.
import { describe, expect, it } from "vitest";
import type { Socket as ClientSocket } from "socket.io-client";
import type { TestDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import type { Member } from "#app/org/members.server.ts";
import { eq } from "drizzle-orm";
import { liveChatMessages } from "#db/schema/index.ts";
import { ChatLimiter, ChatLog } from "../../media-server/src/chat.ts";
import { makeSession } from "#tests/factories/live.ts";
import { connected, request, tokenFor, waitFor } from "#tests/harness/media.ts";
import { useMediaSuite } from "#tests/harness/media-suite.ts";

async function world(db: TestDb) {
  const t = await makeTree(db);
  const presenter = await makeMember(db, t.root, { password: false });
  const session = await makeSession(db, { inviteUnits: [t.a], presenters: [presenter] });
  return { t, presenter, session };
}

const live = useMediaSuite({ world });

type Joined = { s: ClientSocket; joined: any; got: { chat: any[]; chatUpdate: any[] } };

/** Opens a socket for the member, records its chat events, joins the session. */
async function join(member: Member, role: "viewer" | "presenter" = "viewer"): Promise<Joined> {
  const s = await connected(live.open(tokenFor(member, live.w.session.id, role)));
  const got = { chat: [] as any[], chatUpdate: [] as any[] };
  s.on("chat", (m) => got.chat.push(m));
  s.on("chatUpdate", (m) => got.chatUpdate.push(m));
  const joined = await request(s, "join", {});
  expect(joined.error).toBeUndefined();
  return { s, joined, got };
}

const newViewer = () => makeMember(live.db, live.w.t.a1, { password: false });

describe("chat between members", () => {
  it("a message reaches the other members (and the sender), normalised, with name and unit", async () => {
    const p = await join(live.w.presenter, "presenter");
    const a = await join(await newViewer());
    const b = await join(await newViewer());
    // "Việt" typed in decomposed form (NFD), padded with spaces: stored trimmed and NFC.
    const nfd = "  Chào Việt Nam  ".normalize("NFD");
    const sent = await request(a.s, "chatSend", { text: nfd, question: false });
    expect(sent.error).toBeUndefined();
    expect(sent.id).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor(() => b.got.chat.length === 1 && p.got.chat.length === 1 && a.got.chat.length === 1, "chat delivered");
    const m = b.got.chat[0];
    expect(m).toMatchObject({ id: sent.id, text: "Chào Việt Nam", question: false, hidden: false, pinnedAt: null, answer: null });
    expect(m.text).toBe("Chào Việt Nam".normalize("NFC"));
    expect(m.text).not.toBe(nfd.trim());
    expect(m.memberId).toBe(a.joined.you.memberId);
    expect(m.name).toBe(a.joined.you.name);
    expect(m.unitName).toBe(live.w.t.a1.name);
    expect(typeof m.at).toBe("number");
    // Text is data: markup arrives as the same characters, never interpreted server-side.
    const html = await request(b.s, "chatSend", { text: "<img src=x onerror=alert(1)>", question: false });
    await waitFor(() => a.got.chat.some((x) => x.id === html.id), "markup message delivered");
    expect(a.got.chat.find((x) => x.id === html.id).text).toBe("<img src=x onerror=alert(1)>");
    for (const x of [p, a, b]) x.s.close();
  });

  it("a question is flagged as a question", async () => {
    const p = await join(live.w.presenter, "presenter");
    const a = await join(await newViewer());
    const q = await request(a.s, "chatSend", { text: "Nghị quyết áp dụng từ khi nào?", question: true });
    await waitFor(() => p.got.chat.some((m) => m.id === q.id), "question delivered");
    expect(p.got.chat.find((m) => m.id === q.id).question).toBe(true);
    const plain = await request(a.s, "chatSend", { text: "Cảm ơn", question: false });
    await waitFor(() => p.got.chat.some((m) => m.id === plain.id), "plain delivered");
    expect(p.got.chat.find((m) => m.id === plain.id).question).toBe(false);
    p.s.close();
    a.s.close();
  });
});

describe("moderation", () => {
  it("presenter hides a message: viewers get only a stub, presenters keep the text", async () => {
    const p = await join(live.w.presenter, "presenter");
    const a = await join(await newViewer());
    const b = await join(await newViewer());
    const sent = await request(a.s, "chatSend", { text: "Nội dung không phù hợp", question: false });
    await waitFor(() => b.got.chat.some((m) => m.id === sent.id), "delivered");
    const r = await request(p.s, "chatModerate", { messageId: sent.id, action: "hide" });
    expect(r.error).toBeUndefined();
    await waitFor(() => b.got.chatUpdate.length === 1 && p.got.chatUpdate.length === 1 && a.got.chatUpdate.length === 1, "hide broadcast");
    expect(b.got.chatUpdate[0]).toEqual({ id: sent.id, hidden: true });
    expect(a.got.chatUpdate[0]).toEqual({ id: sent.id, hidden: true });
    expect(p.got.chatUpdate[0]).toMatchObject({ id: sent.id, hidden: true, text: "Nội dung không phù hợp" });
    // Unhide brings it back for everyone.
    await request(p.s, "chatModerate", { messageId: sent.id, action: "unhide" });
    await waitFor(() => b.got.chatUpdate.length === 2, "unhide broadcast");
    expect(b.got.chatUpdate[1]).toMatchObject({ id: sent.id, hidden: false, text: "Nội dung không phù hợp" });
    for (const x of [p, a, b]) x.s.close();
  });

  it("pin, unpin and answer are broadcast to everyone", async () => {
    const p = await join(live.w.presenter, "presenter");
    const a = await join(await newViewer());
    const q = await request(a.s, "chatSend", { text: "Xin hỏi về điều 3?", question: true });
    expect((await request(p.s, "chatModerate", { messageId: q.id, action: "pin" })).error).toBeUndefined();
    await waitFor(() => a.got.chatUpdate.length === 1, "pin broadcast");
    expect(a.got.chatUpdate[0]).toMatchObject({ id: q.id, question: true, hidden: false });
    expect(typeof a.got.chatUpdate[0].pinnedAt).toBe("number");

    const ans = await request(p.s, "chatModerate", { messageId: q.id, action: "answer", answer: "  Điều 3 áp dụng cho chi bộ.  " });
    expect(ans.error).toBeUndefined();
    await waitFor(() => a.got.chatUpdate.length === 2, "answer broadcast");
    expect(a.got.chatUpdate[1].answer).toMatchObject({ text: "Điều 3 áp dụng cho chi bộ.", by: p.joined.you.name });
    expect(a.got.chatUpdate[1].pinnedAt).toBe(a.got.chatUpdate[0].pinnedAt);

    await request(p.s, "chatModerate", { messageId: q.id, action: "unpin" });
    await waitFor(() => a.got.chatUpdate.length === 3, "unpin broadcast");
    expect(a.got.chatUpdate[2].pinnedAt).toBeNull();
    expect(a.got.chatUpdate[2].answer.text).toBe("Điều 3 áp dụng cho chi bộ.");
    p.s.close();
    a.s.close();
  });

  it("a viewer cannot moderate, and nothing changes", async () => {
    const p = await join(live.w.presenter, "presenter");
    const a = await join(await newViewer());
    const b = await join(await newViewer());
    const sent = await request(a.s, "chatSend", { text: "Tin nhắn", question: false });
    for (const payload of [
      { messageId: sent.id, action: "hide" },
      { messageId: sent.id, action: "pin" },
      { messageId: sent.id, action: "answer", answer: "tự trả lời" },
    ]) {
      const r = await request(b.s, "chatModerate", payload);
      // A code only: the browser words it (app/i18n), the media server never does.
      expect(r).toEqual({ error: "forbidden" });
    }
    expect((await request(a.s, "chatModerate", { messageId: sent.id, action: "hide" })).error).toBe("forbidden");
    await new Promise((r) => setTimeout(r, 200));
    expect(a.got.chatUpdate).toHaveLength(0);
    const room = live.server.registry.peek(live.w.session.id)!;
    expect(room.chat.get(sent.id)).toMatchObject({ hidden: false, pinnedAt: null, answer: null });
    // A message that does not exist.
    expect((await request(p.s, "chatModerate", { messageId: crypto.randomUUID(), action: "pin" })).error).toBe("not-found");
    for (const x of [p, a, b]) x.s.close();
  });
});

describe("rate limit", () => {
  it("a sixth message within 10 s is refused with retryAfterMs, and allowed after it", async () => {
    const a = await join(await newViewer());
    const b = await join(await newViewer());
    for (let i = 1; i <= 5; i++) {
      const r = await request(a.s, "chatSend", { text: `tin ${i}`, question: false });
      expect(r.error, `message ${i}`).toBeUndefined();
    }
    const refused = await request(a.s, "chatSend", { text: "tin 6", question: false });
    expect(refused.error).toBe("rate-limited");
    expect(refused.retryAfterMs).toBeGreaterThan(1000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(2000);
    expect(refused).not.toHaveProperty("message");
    // Another member is not affected.
    expect((await request(b.s, "chatSend", { text: "tôi vẫn gửi được", question: false })).error).toBeUndefined();
    await new Promise((r) => setTimeout(r, 200));
    expect(b.got.chat.map((m) => m.text)).not.toContain("tin 6");
    await new Promise((r) => setTimeout(r, refused.retryAfterMs + 50));
    expect((await request(a.s, "chatSend", { text: "tin 7", question: false })).error).toBeUndefined();
    a.s.close();
    b.s.close();
  }, 30_000);

  it("the limit follows the member across a new socket", async () => {
    const m = await newViewer();
    const a = await join(m);
    for (let i = 0; i < 5; i++) await request(a.s, "chatSend", { text: `x${i}`, question: false });
    a.s.close();
    const again = await join(m);
    expect((await request(again.s, "chatSend", { text: "x5", question: false })).error).toBe("rate-limited");
    again.s.close();
  });

  it("limiter: 5 per 10 s burst and 60 per 10 min sustained, with a fake clock", () => {
    const l = new ChatLimiter();
    let now = 1_000_000;
    for (let i = 0; i < 5; i++) expect(l.take(1, 7, now).ok).toBe(true);
    const r = l.take(1, 7, now);
    expect(r).toEqual({ ok: false, retryAfterMs: 2000 });
    expect(l.take(1, 8, now).ok).toBe(true); // another member
    expect(l.take(2, 7, now).ok).toBe(true); // another session
    // One message every 2.1 s fits the burst bucket but drains the 60-per-10-min one.
    let sent = 5;
    let refusedAt = -1;
    for (let i = 0; i < 200 && refusedAt < 0; i++) {
      now += 2100;
      const t = l.take(1, 7, now);
      if (t.ok) sent++;
      else refusedAt = sent;
      if (!t.ok) expect(t.retryAfterMs).toBeLessThanOrEqual(10_000); // the 10-min bucket: 1 token per 10 s
    }
    // 55 left plus 0.21 per step, minus 1 per step: refused after about 70 more messages.
    expect(refusedAt).toBeGreaterThanOrEqual(60);
    expect(refusedAt).toBeLessThan(200);
    // Sweep forgets only full buckets.
    l.sweep(now);
    expect(l.take(1, 7, now).ok).toBe(false);
    l.sweep(now + 3_600_000);
    expect(l.take(1, 7, now + 3_600_000).ok).toBe(true);
  });
});

describe("malformed payloads", () => {
  it("get error acks and the socket stays usable", async () => {
    const p = await join(live.w.presenter, "presenter");
    const a = await join(await newViewer());
    const sent = await request(a.s, "chatSend", { text: "ok", question: false });
    const badSends: unknown[] = [
      null,
      {},
      { text: "" },
      { text: "   \n\t  ", question: false },
      { text: "\u0000\u0001", question: false },
      { text: "x".repeat(501), question: false },
      { text: "x", question: "yes" },
      { text: 5, question: false },
      { text: ["a"], question: false },
      { text: "x", question: false, html: "<b>" },
      "hello",
      [1, 2],
    ];
    for (const bad of badSends) {
      const r = await request(a.s, "chatSend", bad);
      expect(r.error, JSON.stringify(bad)).toBe("invalid-payload");
      expect(r).not.toHaveProperty("message");
    }
    const badModerations: unknown[] = [
      {},
      { messageId: sent.id },
      { messageId: sent.id, action: "delete" },
      { messageId: "not-a-uuid", action: "hide" },
      { messageId: sent.id, action: "answer" },
      { messageId: sent.id, action: "answer", answer: "   " },
      { messageId: sent.id, action: "answer", answer: "x".repeat(1001) },
      { messageId: sent.id, action: "pin", answer: "no answer with pin" },
    ];
    for (const bad of badModerations) {
      const r = await request(p.s, "chatModerate", bad);
      expect(r.error, JSON.stringify(bad)).toBe("invalid-payload");
    }
    // Exactly 500 characters (after trimming) is accepted; junk did not use up the member's limit.
    const max = await request(a.s, "chatSend", { text: ` ${"ư".repeat(500)} `, question: false });
    expect(max.error).toBeUndefined();
    expect(a.s.connected).toBe(true);
    p.s.close();
    a.s.close();
  });

  it("refuses chat before join", async () => {
    const m = await newViewer();
    const s = await connected(live.open(tokenFor(m, live.w.session.id)));
    expect((await request(s, "chatSend", { text: "hi", question: false })).error).toBe("not-joined");
    s.close();
  });
});

describe("history on join", () => {
  it("a member joining gets the recent messages; viewers without hidden ones", async () => {
    const p = await join(live.w.presenter, "presenter");
    const a = await join(await newViewer());
    const keep = await request(a.s, "chatSend", { text: "giữ lại", question: true });
    const hide = await request(a.s, "chatSend", { text: "ẩn đi", question: false });
    await request(p.s, "chatModerate", { messageId: hide.id, action: "hide" });
    await request(p.s, "chatModerate", { messageId: keep.id, action: "pin" });

    const late = await join(await newViewer());
    const ids = late.joined.chat.map((m: { id: string }) => m.id);
    expect(ids).toContain(keep.id);
    expect(ids).not.toContain(hide.id);
    expect(late.joined.chat.some((m: { text: string }) => m.text === "ẩn đi")).toBe(false);
    expect(late.joined.chat.find((m: { id: string }) => m.id === keep.id)).toMatchObject({ question: true, text: "giữ lại" });
    expect(typeof late.joined.chat.find((m: { id: string }) => m.id === keep.id).pinnedAt).toBe("number");

    p.s.close();
    await waitFor(() => !live.server.registry.peek(live.w.session.id)?.peers.has(live.w.presenter.id), "presenter gone");
    const p2 = await join(live.w.presenter, "presenter");
    const hiddenForPresenter = p2.joined.chat.find((m: { id: string }) => m.id === hide.id);
    expect(hiddenForPresenter).toMatchObject({ hidden: true, text: "ẩn đi" });
    for (const x of [a, late, p2]) x.s.close();
  });

  it("keeps only the last 200 messages", async () => {
    const log = new ChatLog();
    const first = await log.add({ memberId: 1, name: "A", unitName: null, text: "0", question: false });
    for (let i = 1; i < 250; i++) await log.add({ memberId: 1, name: "A", unitName: null, text: String(i), question: false });
    expect(log.size).toBe(200);
    expect(log.get(first.id)).toBeUndefined();
    const h = log.historyFor(false);
    expect(h[0].text).toBe("50");
    expect(h.at(-1)!.text).toBe("249");
    expect(await log.moderate(first.id, "hide", "P")).toBeUndefined();
  });
});

describe("kept in the database", () => {
  it("survives a media-server restart with its moderation, and a failed write shows nothing", async () => {
    const p = await join(live.w.presenter, "presenter");
    const a = await join(await newViewer());
    const q = await request(a.s, "chatSend", { text: "Câu hỏi được lưu lại?", question: true });
    const h = await request(a.s, "chatSend", { text: "tin bị ẩn", question: false });
    await request(p.s, "chatModerate", { messageId: q.id, action: "answer", answer: "Có, được lưu." });
    await request(p.s, "chatModerate", { messageId: q.id, action: "pin" });
    await request(p.s, "chatModerate", { messageId: h.id, action: "hide" });
    for (const x of [p, a]) x.s.close();
    // Who moderated is recorded with the message (not sent to clients).
    const stored = (await first(live.db.select().from(liveChatMessages).where(eq(liveChatMessages.id, h.id))))!;
    expect(stored).toMatchObject({ hidden: true, moderation: "hide", moderatedBy: live.w.presenter.fullName });

    // A new process on the same database: the room is created again and reads its history back.
    await live.restart();
    const p2 = await join(live.w.presenter, "presenter");
    const v = await join(await newViewer());
    const forPresenter = p2.joined.chat.find((m: { id: string }) => m.id === q.id);
    expect(forPresenter).toMatchObject({ text: "Câu hỏi được lưu lại?", question: true, answer: { text: "Có, được lưu.", by: live.w.presenter.fullName } });
    expect(typeof forPresenter.pinnedAt).toBe("number");
    expect(p2.joined.chat.find((m: { id: string }) => m.id === h.id)).toMatchObject({ hidden: true, text: "tin bị ẩn" });
    expect(v.joined.chat.map((m: { id: string }) => m.id)).not.toContain(h.id);
    expect(v.joined.chat.map((m: { id: string }) => m.id)).toContain(q.id);
    for (const x of [p2, v]) x.s.close();
  });

  it("a message the store cannot keep is refused and shown to nobody; a failed moderation changes nothing", async () => {
    let fail = false;
    const saved: string[] = [];
    const log = new ChatLog(200, {
      save: (m) => {
        if (fail) throw new Error("disk full");
        saved.push(m.id);
      },
      update: () => {
        if (fail) throw new Error("disk full");
      },
    });
    const ok = await log.add({ memberId: 1, name: "A", unitName: null, text: "một", question: true });
    fail = true;
    await expect(async () => log.add({ memberId: 1, name: "A", unitName: null, text: "hai", question: false })).rejects.toThrow("disk full");
    expect(log.historyFor(true).map((m) => m.text)).toEqual(["một"]);
    await expect(async () => log.moderate(ok.id, "hide", "P")).rejects.toThrow("disk full");
    expect(log.get(ok.id)?.hidden).toBe(false);
    expect(saved).toEqual([ok.id]);
  });
});

