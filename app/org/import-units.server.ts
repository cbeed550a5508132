import { writeTx, type Db } from "#db/client.server.ts";
import { auditLog, units } from "#db/schema/index.ts";
import { unitInScope, type Scope } from "#app/auth/permissions.server.ts";
import { emptyReport, readSheet, type ImportReport } from "./import-common.server.ts";
import type { CsvError } from "./csv-file.server.ts";
import { createUnit, getUnitByCode, moveUnit, normaliseUnitName, renameUnit, UNIT_CODE_RE, type Unit } from "./units.server.ts";

export const UNIT_COLUMNS = {
  code: { aliases: ["ma", "code", "ma_don_vi", "unit_code"], required: true },
  name: { aliases: ["ten", "name", "ten_don_vi", "unit_name"], required: true },
  parentCode: { aliases: ["ma_cap_tren", "parent_code", "parent", "cap_tren"], required: false },
} as const;

type Row = { line: number; code: string; name: string; parentCode: string };

/**
 * Rows may name a parent that appears later in the file, so rows are applied parents-first.
 * A row whose parent is rejected is rejected too, with the reason, rather than landing at the root.
 */
async function plan(db: Db, bytes: Uint8Array, scope: Scope): Promise<{ report: ImportReport; ordered: Row[] } | { error: CsvError }> {
  const read = readSheet(bytes, UNIT_COLUMNS);
  if (!read.ok) return { error: read.error };
  const report = emptyReport("units", read.sheet.encoding, read.sheet.rows.length);
  const existing = new Map<string, Unit>((await db.select().from(units)).map((u) => [u.code, u]));
  const byCode = new Map<string, Row>();
  const rejected = new Set<string>();

  for (const r of read.sheet.rows) {
    const row: Row = { line: r.line, code: r.get("code"), name: normaliseUnitName(r.get("name")), parentCode: r.get("parentCode") };
    const reject = (key: ImportReport["rejected"][number]["key"], params?: Record<string, string | number>) => {
      report.rejected.push({ line: row.line, code: row.code || undefined, key, params });
      if (row.code) rejected.add(row.code);
    };
    if (!row.code) { report.rejected.push({ line: row.line, key: "import.reject.codeMissing" }); continue; }
    if (!UNIT_CODE_RE.test(row.code)) { reject("unit.error.code", { code: row.code }); continue; }
    const first = byCode.get(row.code);
    if (first) { report.rejected.push({ line: row.line, code: row.code, key: "import.reject.duplicateCode", params: { code: row.code, line: first.line } }); continue; }
    if (!row.name) { reject("unit.error.nameRequired"); continue; }
    if (row.parentCode === row.code) { reject("unit.error.cycle"); continue; }
    byCode.set(row.code, row);
  }

  // Resolve parents depth-first; a cycle inside the file or an unknown parent rejects the row.
  const ordered: Row[] = [];
  const state = new Map<string, "visiting" | "done" | "bad">();
  const stack: Row[] = [];
  const inCycle = new Set<string>();
  const visit = (row: Row): boolean => {
    const s = state.get(row.code);
    if (s === "done") return true;
    if (s === "bad") return false;
    if (s === "visiting") {
      // Every row on the stack from this one up is part of the cycle: each is told so.
      for (const r of stack.slice(stack.indexOf(row))) inCycle.add(r.code);
      return false;
    }
    state.set(row.code, "visiting");
    stack.push(row);
    let ok = true;
    if (row.parentCode) {
      const inFile = byCode.get(row.parentCode);
      if (inFile) {
        if (!visit(inFile)) {
          if (!inCycle.has(row.code)) report.rejected.push({ line: row.line, code: row.code, key: "import.reject.parentRejected", params: { parent: row.parentCode } });
          ok = false;
        }
      } else if (rejected.has(row.parentCode)) {
        report.rejected.push({ line: row.line, code: row.code, key: "import.reject.parentRejected", params: { parent: row.parentCode } });
        ok = false;
      } else if (!existing.has(row.parentCode)) {
        report.rejected.push({ line: row.line, code: row.code, key: "import.reject.unknownParent", params: { parent: row.parentCode } });
        ok = false;
      }
    }
    stack.pop();
    if (inCycle.has(row.code)) {
      report.rejected.push({ line: row.line, code: row.code, key: "unit.error.cycle" });
      ok = false;
    }
    if (ok && !scope.all) {
      // A trainer may only add or change units below one of their own subtrees' roots.
      const parentUnit = row.parentCode ? existing.get(row.parentCode) : undefined;
      const current = existing.get(row.code);
      const parentOk = row.parentCode ? (parentUnit ? unitInScope(scope, parentUnit) : true) : false;
      const selfOk = current ? unitInScope(scope, current) && !scope.roots.some((r) => r.id === current.id) : true;
      if (!parentOk || !selfOk) {
        report.rejected.push({ line: row.line, code: row.code, key: "import.reject.unitOutOfScope", params: { unit: row.code } });
        ok = false;
      }
    }
    if (ok) {
      const current = existing.get(row.code);
      if (current && row.parentCode && existing.get(row.parentCode)?.path.startsWith(current.path)) {
        report.rejected.push({ line: row.line, code: row.code, key: "unit.error.cycle" });
        ok = false;
      }
    }
    state.set(row.code, ok ? "done" : "bad");
    if (ok) ordered.push(row);
    return ok;
  };
  for (const row of byCode.values()) visit(row);
  report.rejected.sort((a, b) => a.line - b.line);

  for (const row of ordered) {
    const current = existing.get(row.code);
    if (!current) { report.created.push({ line: row.line, code: row.code, name: row.name }); continue; }
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    if (current.name !== row.name) changes.name = { from: current.name, to: row.name };
    const currentParent = current.parentId == null ? "" : [...existing.values()].find((u) => u.id === current.parentId)?.code ?? "";
    if (row.parentCode !== currentParent) changes.parent = { from: currentParent, to: row.parentCode };
    if (Object.keys(changes).length) report.updated.push({ line: row.line, code: row.code, changes });
    else report.unchanged++;
  }
  return { report, ordered };
}

export async function previewUnitImport(db: Db, bytes: Uint8Array, scope: Scope) {
  const p = await plan(db, bytes, scope);
  return "error" in p ? p : { report: p.report };
}

export async function commitUnitImport(db: Db, bytes: Uint8Array, scope: Scope, actorId: number | null, now = new Date()) {
  return writeTx(db, async (tx) => {
    const p = await plan(tx, bytes, scope);
    if ("error" in p) return p;
    for (const row of p.ordered) {
      const parent = row.parentCode ? (await getUnitByCode(tx, row.parentCode))! : null;
      const current = await getUnitByCode(tx, row.code);
      if (!current) {
        await createUnit(tx, { code: row.code, name: row.name, parentId: parent?.id ?? null }, now);
        continue;
      }
      if (current.name !== row.name) await renameUnit(tx, current.id, row.name, now);
      if ((parent?.id ?? null) !== current.parentId) await moveUnit(tx, current.id, parent?.id ?? null, now);
    }
    await tx.insert(auditLog)
      .values({
        actorId,
        action: "import.units",
        entityType: "import",
        detail: { created: p.report.created.length, updated: p.report.updated.length, rejected: p.report.rejected.length },
        at: now,
      });
    p.report.committed = true;
    return { report: p.report };
  });
}
