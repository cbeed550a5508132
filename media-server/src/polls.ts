/**
 * Attendance polls ("are you here?") a presenter launches in one room: the one home of their
 * rules (a poll is open for 10–600 s, 120 s by default; an answer counts only while it is open).
 * Answers themselves go to the ledger, once per member per poll (its event id).
 */
import { randomUUID } from "node:crypto";

export type Poll = { pollId: string; question: string; openedAt: number; closesAt: number };

const DEFAULT_POLL_SECONDS = 120;

export class Polls {
  private readonly byId = new Map<string, Poll>();

  open(question: string, seconds = DEFAULT_POLL_SECONDS, now = Date.now()): Poll {
    this.prune(now);
    const poll = { pollId: randomUUID(), question, openedAt: now, closesAt: now + seconds * 1000 };
    this.byId.set(poll.pollId, poll);
    return poll;
  }

  /**
   * A poll a presenter opened on another media node of the session (ADR 0016): kept with its id
   * and times, so members here answer it as they would one opened here. False if already known.
   */
  receive(poll: Poll, now = Date.now()): boolean {
    this.prune(now);
    if (this.byId.has(poll.pollId) || now > poll.closesAt) return false;
    this.byId.set(poll.pollId, { ...poll });
    return true;
  }

  /** The poll if it is still open for answers. */
  answerable(pollId: string, now = Date.now()): Poll | undefined {
    const poll = this.byId.get(pollId);
    return poll && now <= poll.closesAt ? poll : undefined;
  }

  /** Closed polls are forgotten when the next one opens (a room keeps only what can be answered). */
  private prune(now: number) {
    for (const [id, p] of this.byId) if (now > p.closesAt) this.byId.delete(id);
  }
}
