import { expect, test } from "vitest";
import { Lru } from "#app/courses/lru.ts";

test("Lru keeps at most maxEntries, evicting the least recently used (a get counts as use)", () => {
  const lru = new Lru<string, number>({ maxEntries: 2, maxWeight: 100 });
  lru.set("a", 1, 1);
  lru.set("b", 2, 1);
  expect(lru.get("a")).toBe(1);
  lru.set("c", 3, 1);
  expect(lru.get("b")).toBeUndefined();
  expect(lru.get("a")).toBe(1);
  expect(lru.get("c")).toBe(3);
  expect(lru.size).toBe(2);
});

test("Lru keeps the total weight within maxWeight, and never keeps a value heavier than the budget", () => {
  const lru = new Lru<string, string>({ maxEntries: 10, maxWeight: 10 });
  lru.set("a", "x", 4);
  lru.set("b", "y", 4);
  lru.set("c", "z", 4);
  expect(lru.get("a")).toBeUndefined();
  expect(lru.weight).toBe(8);
  lru.set("huge", "w", 11);
  expect(lru.get("huge")).toBeUndefined();
  expect(lru.get("b")).toBe("y");
  // Replacing a key replaces its weight too.
  lru.set("b", "y2", 1);
  expect(lru.weight).toBe(5);
});
