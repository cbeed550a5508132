/**
 * Summing per-unit figures up a (part of the) unit tree, in memory. Client-safe, no database.
 *
 * Units come with their materialised path ("/1/7/42/"); every descendant's path starts with its
 * ancestor's path, so sorted by path a unit precedes its whole subtree. Walking the sorted list
 * backwards, each unit is final (own + everything below) by the time it is added to its parent.
 */

export type TreeNode = { unitId: number; parentId: number | null; path: string };

/**
 * `own` holds `width` numbers per unit (same order as `nodes`); returns `total` in the same
 * layout, where total(u) = own(u) + Σ total(child). Parents missing from `nodes` (outside the
 * scope) are simply not added to: the scoped part of the tree is a forest.
 */
export function sumUpTree(nodes: readonly TreeNode[], own: Float64Array | Int32Array, width: number): Float64Array {
  const order = nodes.map((_, i) => i).sort((a, b) => (nodes[a].path < nodes[b].path ? -1 : nodes[a].path > nodes[b].path ? 1 : 0));
  const index = new Map<number, number>();
  nodes.forEach((n, i) => index.set(n.unitId, i));
  const total = Float64Array.from(own);
  for (let o = order.length - 1; o >= 0; o--) {
    const i = order[o];
    const p = nodes[i].parentId == null ? undefined : index.get(nodes[i].parentId!);
    if (p === undefined) continue;
    for (let k = 0; k < width; k++) total[p * width + k] += total[i * width + k];
  }
  return total;
}

/** The ids in a materialised path, root first: "/1/7/42/" → [1, 7, 42]. */
export function pathIds(path: string): number[] {
  const out: number[] = [];
  for (const part of path.split("/")) if (part) out.push(Number(part));
  return out;
}
