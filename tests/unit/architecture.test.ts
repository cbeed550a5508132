import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";

/**
 * The dependency rules of ARCHITECTURE.md, checked on the source itself so that a new import that
 * breaks one fails the suite:
 * - no runtime import cycle (type-only imports are erased and do not count);
 * - db/ imports nothing from app/;
 * - app/ and media-server/ never import each other (both import live-protocol/ and db/);
 * - routes call domain functions: no drizzle-orm or schema import in app/routes;
 * - browser code (`*.client.*`, app/components) never imports a `*.server.*` module.
 * KNOWN_DEBTS lists the violations that existed when the rule was written; it may only shrink.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const DIRS = ["app", "db", "media-server", "live-protocol", "scripts"];
const ALIASES: Record<string, string> = { "#app/": "app/", "#db/": "db/", "#live/": "live-protocol/", "#tests/": "tests/" };

/**
 * Violations that existed when the rules were written (2026-12-07): routes that still hold queries,
 * the demo seed under db/, one cycle in app/courses. Each entry is work left; the list only shrinks.
 */
const KNOWN_DEBTS = new Set<string>([
]);

type Edge = { from: string; to: string; typeOnly: boolean; spec: string };

function walk(dir: string, out: string[] = []): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === "node_modules" || e.name === "migrations") continue;
      walk(p, out);
    } else if (/\.(ts|tsx|mts|mjs)$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

function resolve(fromFile: string, spec: string): string | null {
  let target: string | null = null;
  for (const [alias, dir] of Object.entries(ALIASES)) if (spec.startsWith(alias)) target = path.join(ROOT, dir, spec.slice(alias.length));
  if (!target && spec.startsWith(".")) target = path.resolve(path.dirname(fromFile), spec);
  if (!target) return null;
  for (const candidate of [target, `${target}.ts`, `${target}.tsx`, path.join(target, "index.ts")]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return path.relative(ROOT, candidate);
  }
  return null;
}

/** Static imports and re-exports, with whether the whole statement is type-only. */
function edgesOf(file: string): Edge[] {
  const src = fs.readFileSync(file, "utf8");
  const rel = path.relative(ROOT, file);
  const edges: Edge[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s*["']([^"']+)["']|^\s*import\s+["']([^"']+)["']/gm;
  for (const m of src.matchAll(re)) {
    const spec = m[4] ?? m[5];
    const clause = m[3] ?? "";
    // `import { type A, type B } from` is type-only too.
    const allTypes = /^\{[^}]*\}$/.test(clause.trim()) && clause.replace(/[{}\s]/g, "").split(",").filter(Boolean).every((n) => n.startsWith("type"));
    const typeOnly = !!m[2] || allTypes;
    const to = resolve(file, spec);
    edges.push({ from: rel, to: to ?? spec, typeOnly, spec });
  }
  return edges;
}

const files = DIRS.flatMap((d) => walk(path.join(ROOT, d)));
const edges = files.flatMap(edgesOf);
const top = (p: string) => p.split("/")[0];

function violations(rule: (e: Edge) => boolean) {
  return edges.filter(rule).map((e) => `${e.from} → ${e.spec}`).filter((v) => !KNOWN_DEBTS.has(v));
}

describe("architecture", () => {
  test("the scan sees the tree (a broken scanner would pass every rule)", () => {
    expect(files.length).toBeGreaterThan(150);
    expect(edges.some((e) => e.from.startsWith("app/routes/") && e.to.startsWith("app/auth/"))).toBe(true);
    expect(edges.some((e) => e.typeOnly)).toBe(true);
  });

  test("db/ imports nothing from app/", () => {
    expect(violations((e) => top(e.from) === "db" && top(e.to) === "app")).toEqual([]);
  });

  test("app/ and media-server/ never import each other", () => {
    expect(violations((e) => (top(e.from) === "app" && top(e.to) === "media-server") || (top(e.from) === "media-server" && top(e.to) === "app"))).toEqual([]);
  });

  test("live-protocol/ imports neither app/ nor media-server/", () => {
    expect(violations((e) => top(e.from) === "live-protocol" && (top(e.to) === "app" || top(e.to) === "media-server"))).toEqual([]);
  });

  test("routes import no drizzle-orm and no schema (its enums excepted)", () => {
    expect(violations((e) => e.from.startsWith("app/routes/") && !e.typeOnly && (e.spec === "drizzle-orm" || e.spec.startsWith("drizzle-orm/") || (e.to.startsWith("db/schema") && e.to !== "db/schema/enums.ts")))).toEqual([]);
  });

  test("browser code never imports a server module", () => {
    const browser = (f: string) => /\.client\.(ts|tsx)$/.test(f) || f.startsWith("app/components/");
    expect(violations((e) => browser(e.from) && /\.server(\.|\/)/.test(e.to))).toEqual([]);
  });

  test("no runtime import cycle", () => {
    const graph = new Map<string, string[]>();
    for (const e of edges) {
      if (e.typeOnly || !e.to.includes("/")) continue;
      graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
    }
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (n: string) => {
      state.set(n, "open");
      stack.push(n);
      for (const m of graph.get(n) ?? []) {
        if (state.get(m) === "open") cycles.push([...stack.slice(stack.indexOf(m)), m].join(" → "));
        else if (!state.has(m)) visit(m);
      }
      stack.pop();
      state.set(n, "done");
    };
    for (const n of graph.keys()) if (!state.has(n)) visit(n);
    expect(cycles.filter((c) => !KNOWN_DEBTS.has(c))).toEqual([]);
  });
});
