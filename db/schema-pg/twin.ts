/**
 * The PostgreSQL twin of the SQLite schema (ADR 0015): built from db/schema's table configs, so
 * there is one definition and the two cannot drift. Storage is the same on both engines — epoch
 * milliseconds in `bigint`, flags as 0/1 in `smallint`, JSON as text — so a row copies across
 * unchanged, raw SQL comparing timestamps as numbers means the same thing on both, and drizzle
 * maps the values to the same JavaScript types either way.
 */
import { getTableColumns, is, sql, SQL } from "drizzle-orm";
import {
  getTableConfig as sqliteConfig,
  SQLiteBoolean,
  SQLiteTimestamp,
  SQLiteInteger,
  SQLiteText,
  SQLiteTextJson,
  SQLiteReal,
  SQLiteBlobBuffer,
  type SQLiteColumn,
  type SQLiteTable,
} from "drizzle-orm/sqlite-core";
import {
  bigint,
  check,
  customType,
  doublePrecision,
  foreignKey,
  index,
  pgTable,
  primaryKey,
  text,
  unique,
  uniqueIndex,
  type PgColumn,
  type PgTable,
} from "drizzle-orm/pg-core";

/** Epoch milliseconds (or seconds, for SQLite's `timestamp` mode) as bigint, read back as Date. */
const epochDate = (unit: 1 | 1000) =>
  customType<{ data: Date; driverData: string | number }>({
    dataType: () => "bigint",
    toDriver: (d) => (unit === 1 ? d.getTime() : Math.floor(d.getTime() / 1000)),
    fromDriver: (v) => new Date(Number(v) * unit),
  });
const msDate = epochDate(1);
const secondsDate = epochDate(1000);

const flag = customType<{ data: boolean; driverData: number }>({
  dataType: () => "smallint",
  toDriver: (b) => (b ? 1 : 0),
  fromDriver: (v) => Number(v) === 1,
});

const jsonText = customType<{ data: unknown; driverData: string }>({
  dataType: () => "text",
  toDriver: (v) => JSON.stringify(v),
  fromDriver: (v) => JSON.parse(v),
});

const bytes = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

/** A literal default in the twin's storage: flags become 0/1, everything else stays as is. */
function defaultOf(column: SQLiteColumn): unknown {
  const d = column.default;
  if (is(d, SQL)) return d;
  if (is(column, SQLiteBoolean)) return sql.raw(d ? "1" : "0");
  if (d instanceof Date) return sql.raw(String(d.getTime()));
  return d;
}

function twinColumn(column: SQLiteColumn) {
  const name = column.name;
  // drizzle's builders are typed per call site; the twin is assembled at runtime, so build loosely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let b: any;
  if (is(column, SQLiteBoolean)) b = flag(name);
  else if (is(column, SQLiteTimestamp)) b = (column.mode === "timestamp" ? secondsDate : msDate)(name);
  else if (is(column, SQLiteInteger)) b = bigint(name, { mode: "number" });
  else if (is(column, SQLiteTextJson)) b = jsonText(name);
  else if (is(column, SQLiteText)) b = text(name, column.enumValues?.length ? { enum: column.enumValues as [string, ...string[]] } : {});
  else if (is(column, SQLiteReal)) b = doublePrecision(name);
  else if (is(column, SQLiteBlobBuffer)) b = bytes(name);
  else throw new Error(`No PostgreSQL twin for ${column.columnType} (${name}): add it to db/schema-pg/twin.ts`);
  if (column.primary) {
    b = b.primaryKey();
    // SQLite's AUTOINCREMENT: the database numbers rows unless a copy brings its own ids.
    if ((column as SQLiteColumn & { autoIncrement?: boolean }).autoIncrement) b = b.generatedByDefaultAsIdentity();
  } else if (column.notNull) b = b.notNull();
  if (column.hasDefault && column.default !== undefined) b = b.default(defaultOf(column));
  return b;
}

/**
 * Builds the twins of `tables` (every sqliteTable of db/schema), keyed like the input. Foreign
 * keys may point anywhere in the set, so they are wired after every table exists (drizzle calls
 * the extra-config callback lazily).
 */
export function pgTwins<T extends Record<string, SQLiteTable>>(tables: T): { [K in keyof T]: PgTable } {
  const byName = new Map<string, PgTable>();
  const out: Record<string, PgTable> = {};
  for (const [key, table] of Object.entries(tables)) {
    const cfg = sqliteConfig(table);
    const columns = Object.fromEntries(Object.entries(getTableColumns(table)).map(([prop, c]) => [prop, twinColumn(c as SQLiteColumn)]));
    const twin = pgTable(cfg.name, columns, (t) => {
      const col = (c: SQLiteColumn) => (t as unknown as Record<string, PgColumn>)[propOf(table, c)];
      const extras: unknown[] = [];
      for (const ix of cfg.indexes) {
        const { name, columns: cols, unique: isUnique, where } = ix.config;
        const on = cols.map((c) => col(c as SQLiteColumn)) as [PgColumn, ...PgColumn[]];
        const built = (isUnique ? uniqueIndex(name) : index(name)).on(...on);
        extras.push(where ? built.where(where as SQL) : built);
      }
      for (const fk of cfg.foreignKeys) {
        const ref = fk.reference();
        const target = byName.get(sqliteConfig(ref.foreignTable).name);
        if (!target) throw new Error(`${cfg.name} references ${sqliteConfig(ref.foreignTable).name}, which has no twin`);
        const targetCols = getTableColumns(target) as Record<string, PgColumn>;
        extras.push(
          foreignKey({
            name: fk.getName(),
            columns: ref.columns.map((c) => col(c)) as [PgColumn, ...PgColumn[]],
            foreignColumns: ref.foreignColumns.map((c) => targetCols[propOf(ref.foreignTable, c)]) as [PgColumn, ...PgColumn[]],
          })
            .onDelete(fk.onDelete ?? "no action")
            .onUpdate(fk.onUpdate ?? "no action"),
        );
      }
      for (const ck of cfg.checks) extras.push(check(ck.name, ck.value));
      for (const pk of cfg.primaryKeys) extras.push(primaryKey({ name: pk.getName(), columns: pk.columns.map((c) => col(c)) as [PgColumn, ...PgColumn[]] }));
      for (const uq of cfg.uniqueConstraints) extras.push(unique(uq.getName()).on(...(uq.columns.map((c) => col(c)) as [PgColumn, ...PgColumn[]])));
      return extras as never;
    });
    byName.set(cfg.name, twin);
    out[key] = twin;
  }
  return out as { [K in keyof T]: PgTable };
}

function propOf(table: SQLiteTable, column: SQLiteColumn): string {
  const entry = Object.entries(getTableColumns(table)).find(([, c]) => c === column || c.name === column.name);
  if (!entry) throw new Error(`Column ${column.name} is not in its table`);
  return entry[0];
}
