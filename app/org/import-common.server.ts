import type { MessageKey } from "#app/i18n/catalog.ts";
import { decodeCsvBytes, parseCsvText, mapColumns, type CsvError } from "./csv-file.server.ts";

export type Rejection = { line: number; code?: string; key: MessageKey; params?: Record<string, string | number> };

export type ImportReport = {
  kind: "units" | "members";
  encoding: string;
  totalRows: number;
  created: { line: number; code: string; name: string }[];
  updated: { line: number; code: string; changes: Record<string, { from: unknown; to: unknown }> }[];
  unchanged: number;
  rejected: Rejection[];
  committed: boolean;
};

export type ParsedSheet<K extends string> = {
  encoding: string;
  rows: { line: number; get: (k: K) => string }[];
};

/**
 * Bytes → rows with named columns, or the file-level error (encoding, missing column…) that
 * stops the import before any row is looked at.
 */
export function readSheet<K extends string>(
  bytes: Uint8Array,
  spec: Record<K, { aliases: readonly string[]; required: boolean }>,
): { ok: true; sheet: ParsedSheet<K> } | { ok: false; error: CsvError } {
  const decoded = decodeCsvBytes(bytes);
  if (!decoded.ok) return decoded;
  const parsed = parseCsvText(decoded.text);
  if (!parsed.ok) return parsed;
  const mapped = mapColumns(parsed.headers, spec);
  if (!mapped.ok) return mapped;
  const index = mapped.index as Record<K, number>;
  return {
    ok: true,
    sheet: {
      encoding: decoded.encoding,
      rows: parsed.rows.map((r) => ({
        line: r.line,
        get: (k: K) => {
          const i = index[k];
          return i >= 0 ? (r.values[i] ?? "").normalize("NFC").trim() : "";
        },
      })),
    },
  };
}

export function emptyReport(kind: ImportReport["kind"], encoding: string, totalRows: number): ImportReport {
  return { kind, encoding, totalRows, created: [], updated: [], unchanged: 0, rejected: [], committed: false };
}
