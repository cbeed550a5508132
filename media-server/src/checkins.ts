/**
 * Who is checked in at each cell room's screen of one room (host member id → members), the one
 * home of the rule "a member is checked in at a screen once". It survives the host's reconnects
 * (the room keeps it), not a media-server restart (the screen re-sends its list on rejoin).
 */
export class CheckinRegistry {
  private readonly byHost = new Map<number, Set<number>>();

  /** Members checked in at this host's screen. */
  get(hostId: number): ReadonlySet<number> | undefined {
    return this.byHost.get(hostId);
  }

  has(hostId: number, memberId: number): boolean {
    return this.byHost.get(hostId)?.has(memberId) ?? false;
  }

  /** Returns false when the member was already checked in there. */
  checkIn(hostId: number, memberId: number): boolean {
    let set = this.byHost.get(hostId);
    if (!set) this.byHost.set(hostId, (set = new Set()));
    if (set.has(memberId)) return false;
    set.add(memberId);
    return true;
  }

  /** Returns false when the member was not checked in there. */
  checkOut(hostId: number, memberId: number): boolean {
    return this.byHost.get(hostId)?.delete(memberId) ?? false;
  }

  /** Every (host, member) pair: heartbeats and the shutdown's closing events. */
  *entries(): Generator<{ hostId: number; memberId: number }> {
    for (const [hostId, set] of this.byHost) for (const memberId of set) yield { hostId, memberId };
  }
}
