/** The first row of an awaited query, or undefined: what better-sqlite3's `.get()` gave, on either engine. */
export async function first<T>(query: PromiseLike<T[]>): Promise<T | undefined> {
  return (await query)[0];
}

/** The one row an `INSERT/UPDATE … RETURNING` of a single row gives back. */
export async function one<T>(query: PromiseLike<T[]>): Promise<T> {
  const rows = await query;
  if (rows.length === 0) throw new Error("expected one row back, got none");
  return rows[0];
}
