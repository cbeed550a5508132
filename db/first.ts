/** The first row of an awaited query, or undefined: what better-sqlite3's `.get()` gave, on either engine. */
export async function first<T>(query: PromiseLike<T[]>): Promise<T | undefined> {
  return (await query)[0];
}
