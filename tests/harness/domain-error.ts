import { DomainError } from "#app/common/domain-error.ts";

/**
 * The DomainError a call throws or rejects with, so a test can assert its key, params and status.
 * Anything else thrown is re-thrown, and settling normally fails the test: a refusal that silently
 * turned into success must not pass.
 */
export async function domainError(fn: () => unknown): Promise<DomainError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected a DomainError, nothing was thrown");
}
