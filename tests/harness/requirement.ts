/**
 * A test that needs something of the machine (redis-server, network namespaces) may skip on a
 * developer's laptop that lacks it, saying why. On CI it must not: the README's test command
 * installs everything, so a missing requirement there is a broken set-up, and a skip would hide
 * it. With CI set, a reason to skip becomes a failure of the file instead.
 */
export function skipReasonOrFail(reason: string | null): string | null {
  if (reason && process.env.CI) throw new Error(`required on CI: ${reason}`);
  return reason;
}
