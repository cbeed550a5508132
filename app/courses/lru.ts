/**
 * A least-recently-used map bounded by entry count and by a total weight the caller assigns
 * (roughly the characters an entry holds), so a few huge values cannot grow the heap without
 * bound any more than many small ones. A Map keeps insertion order: re-inserting on a hit moves
 * the key to the young end, and eviction takes from the old end.
 */
export class Lru<K, V> {
  private map = new Map<K, { value: V; weight: number }>();
  private total = 0;

  constructor(private readonly limits: { maxEntries: number; maxWeight: number }) {}

  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: K, value: V, weight: number): void {
    const old = this.map.get(key);
    if (old) {
      this.total -= old.weight;
      this.map.delete(key);
    }
    // A value heavier than the whole budget is not kept: it would evict everything else.
    if (weight > this.limits.maxWeight) return;
    this.map.set(key, { value, weight });
    this.total += weight;
    for (const [k, e] of this.map) {
      if (this.map.size <= this.limits.maxEntries && this.total <= this.limits.maxWeight) break;
      this.map.delete(k);
      this.total -= e.weight;
    }
  }

  get size(): number {
    return this.map.size;
  }

  get weight(): number {
    return this.total;
  }
}
