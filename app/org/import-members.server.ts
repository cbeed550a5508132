import { eq } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { auditLog, members, scopeGrants, units } from "#db/schema/index.ts";
import { accountsBeyondScope, unitInScope, type Scope } from "#app/auth/permissions.server.ts";
import { emptyReport, readSheet, type ImportReport } from "./import-common.server.ts";
import type { CsvError } from "./csv-file.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import {
  applyMemberUpdate,
  diffMember,
  insertMembersBulk,
  transferInTx,
  validateMemberFields,
  type Member,
} from "./members.server.ts";

export const MEMBER_COLUMNS = {
  code: { aliases: ["ma_dang_vien", "code", "ma", "ma_can_bo", "member_code"], required: true },
  fullName: { aliases: ["ho_ten", "full_name", "ho_va_ten", "name"], required: true },
  unit: { aliases: ["don_vi", "unit", "ma_don_vi", "unit_code"], required: true },
  position: { aliases: ["chuc_vu", "position"], required: false },
  email: { aliases: ["email", "thu_dien_tu"], required: false },
  phone: { aliases: ["so_dien_thoai", "phone", "dien_thoai", "sdt"], required: false },
} as const;
type Col = keyof typeof MEMBER_COLUMNS;

type Planned =
  | { op: "create"; line: number; fields: Awaited<ReturnType<typeof validateMemberFields>> }
  | { op: "update"; line: number; member: Member; fields: Awaited<ReturnType<typeof validateMemberFields>>; unitChanged: boolean };

/**
 * Decides, row by row, what the import would do, reading the database but writing nothing. The
 * preview shows this plan; the commit recomputes it inside the write transaction and applies it,
 * so what is committed is checked against the data as it is at that moment.
 */
async function plan(db: Db, bytes: Uint8Array, scope: Scope): Promise<{ report: ImportReport; planned: Planned[] } | { error: CsvError }> {
  const read = readSheet(bytes, MEMBER_COLUMNS);
  if (!read.ok) return { error: read.error };
  const { sheet } = read;
  const report = emptyReport("members", sheet.encoding, sheet.rows.length);
  const allUnits = await db.select({ id: units.id, code: units.code, path: units.path }).from(units);
  const unitByCode = new Map(allUnits.map((u) => [u.code, u]));
  const unitById = new Map(allUnits.map((u) => [u.id, u]));
  const memberByCode = new Map<string, Member>();
  const memberIdByEmail = new Map<string, number>();
  for (const m of (await db.select().from(members))) {
    memberByCode.set(m.code, m);
    if (m.email) memberIdByEmail.set(m.email, m.id);
  }
  // Updating an account that reaches beyond the importer's scope (its e-mail, its unit) is taking
  // part of it over, so those rows are refused like rows outside the scope.
  const withReach = new Set((await db.select({ id: scopeGrants.memberId }).from(scopeGrants)).map((g) => g.id));
  for (const m of memberByCode.values()) if (m.role === "admin") withReach.add(m.id);
  const beyondScope = await accountsBeyondScope(db, scope, [...withReach]);
  const seenCode = new Map<string, number>();
  const seenEmail = new Map<string, number>();
  const planned: Planned[] = [];

  for (const row of sheet.rows) {
    const g = (k: Col) => row.get(k);
    const code = g("code");
    const reject = (key: Parameters<typeof report.rejected.push>[0]["key"], params?: Record<string, string | number>) =>
      report.rejected.push({ line: row.line, code: code || undefined, key, params });
    if (!code) { reject("import.reject.codeMissing"); continue; }
    const firstLine = seenCode.get(code);
    if (firstLine !== undefined) { reject("import.reject.duplicateCode", { code, line: firstLine }); continue; }
    seenCode.set(code, row.line);
    const unitCode = g("unit");
    const unit = unitByCode.get(unitCode);
    if (!unitCode) { reject("import.reject.unitMissing"); continue; }
    if (!unit) { reject("import.reject.unknownUnit", { unit: unitCode }); continue; }
    if (!unitInScope(scope, unit)) { reject("import.reject.unitOutOfScope", { unit: unitCode }); continue; }
    let fields;
    try {
      fields = validateMemberFields({
        code,
        fullName: g("fullName"),
        unitId: unit.id,
        position: g("position"),
        email: g("email"),
        phone: g("phone"),
      });
    } catch (e) {
      if (e instanceof DomainError) { reject(e.key, e.params); continue; }
      throw e;
    }
    const existing = memberByCode.get(code);
    if (existing) {
      const currentUnit = unitById.get(existing.unitId);
      if (currentUnit && !unitInScope(scope, currentUnit)) { reject("import.reject.memberOutOfScope", { code }); continue; }
      if (beyondScope.has(existing.id)) { reject("import.reject.memberBeyondScope", { code }); continue; }
    }
    if (fields.email) {
      const dupLine = seenEmail.get(fields.email);
      if (dupLine !== undefined) { reject("import.reject.duplicateEmail", { email: fields.email, line: dupLine }); continue; }
      const owner = memberIdByEmail.get(fields.email);
      if (owner !== undefined && owner !== existing?.id) { reject("member.error.emailTaken", { email: fields.email }); continue; }
      seenEmail.set(fields.email, row.line);
    }
    if (!existing) {
      planned.push({ op: "create", line: row.line, fields });
      report.created.push({ line: row.line, code, name: fields.fullName });
      continue;
    }
    // Blank optional cells leave stored values alone: a sheet without e-mails must not erase them.
    const update = {
      fullName: fields.fullName,
      position: g("position") ? fields.position : undefined,
      email: g("email") ? fields.email : undefined,
      phone: g("phone") ? fields.phone : undefined,
    };
    const changes: Record<string, { from: unknown; to: unknown }> = diffMember(existing, update);
    const unitChanged = existing.unitId !== unit.id;
    if (unitChanged) {
      const from = unitById.get(existing.unitId);
      changes.unit = { from: from?.code ?? existing.unitId, to: unitCode };
    }
    if (Object.keys(changes).length === 0) { report.unchanged++; continue; }
    planned.push({ op: "update", line: row.line, member: existing, fields: { ...fields, ...update } as typeof fields, unitChanged });
    report.updated.push({ line: row.line, code, changes });
  }
  return { report, planned };
}

export async function previewMemberImport(db: Db, bytes: Uint8Array, scope: Scope) {
  const p = await plan(db, bytes, scope);
  return "error" in p ? p : { report: p.report };
}

/** All valid rows in one transaction; rejected rows are reported and nothing else is lost. */
export async function commitMemberImport(db: Db, bytes: Uint8Array, scope: Scope, actorId: number | null, now = new Date()) {
  return writeTx(db, async (tx) => {
    const p = await plan(tx, bytes, scope);
    if ("error" in p) return p;
    // The plan already checked codes and e-mails against the file and the database inside this
    // transaction, so new members go in as multi-row inserts (the slow part of big imports).
    await insertMembersBulk(tx, p.planned.flatMap((i) => (i.op === "create" ? [i.fields] : [])), now);
    for (const item of p.planned) {
      if (item.op === "create") {
        continue;
      } else {
        await applyMemberUpdate(tx, item.member, item.fields, actorId, now, { audit: false });
        if (item.unitChanged) await transferInTx(tx, item.member, item.fields.unitId, now, actorId, "import");
      }
    }
    await tx.insert(auditLog)
      .values({
        actorId,
        action: "import.members",
        entityType: "import",
        entityId: null,
        detail: { created: p.report.created.length, updated: p.report.updated.length, rejected: p.report.rejected.length },
        at: now,
      });
    p.report.committed = true;
    return { report: p.report };
  });
}
