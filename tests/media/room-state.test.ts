// A room's check-ins and polls: small classes with one home for their rules.
import { describe, expect, it } from "vitest";
import { CheckinRegistry } from "../../media-server/src/checkins.ts";
import { Polls } from "../../media-server/src/polls.ts";

describe("CheckinRegistry", () => {
  it("checks a member in once per screen, out only if in, and lists every pair", () => {
    const r = new CheckinRegistry();
    expect(r.checkIn(10, 1)).toBe(true);
    expect(r.checkIn(10, 1)).toBe(false);
    expect(r.checkIn(10, 2)).toBe(true);
    expect(r.checkIn(20, 1)).toBe(true); // another screen is another check-in
    expect(r.has(10, 1)).toBe(true);
    expect(r.checkOut(10, 3)).toBe(false);
    expect(r.checkOut(30, 1)).toBe(false);
    expect(r.checkOut(10, 1)).toBe(true);
    expect(r.has(10, 1)).toBe(false);
    expect([...(r.get(10) ?? [])]).toEqual([2]);
    expect(r.get(30)).toBeUndefined();
    expect([...r.entries()]).toEqual([
      { hostId: 10, memberId: 2 },
      { hostId: 20, memberId: 1 },
    ]);
  });
});

describe("Polls", () => {
  it("a poll is answerable until it closes (120 s by default), and closed ones are forgotten", () => {
    const polls = new Polls();
    const p = polls.open("Đồng chí có đang theo dõi không?", undefined, 1_000);
    expect(p.closesAt).toBe(1_000 + 120_000);
    expect(polls.answerable(p.pollId, 121_000)?.question).toBe("Đồng chí có đang theo dõi không?");
    expect(polls.answerable(p.pollId, 121_001)).toBeUndefined();
    expect(polls.answerable("no-such-poll", 2_000)).toBeUndefined();
    const short = polls.open("Ngắn", 10, 200_000);
    expect(short.closesAt).toBe(210_000);
    // Opening a poll prunes closed ones: the first one is gone even at a time it was open.
    expect(polls.answerable(p.pollId, 2_000)).toBeUndefined();
    expect(polls.answerable(short.pollId, 205_000)).toBeDefined();
  });
});
