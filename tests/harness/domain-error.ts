import { DomainError } from "#app/common/domain-error.ts";

/**
 * The DomainError a call throws, so a test can assert its key, params and status. Anything else
 * thrown is re-thrown, and returning normally fails the test: a refusal that silently turned into
 * success must not pass.
 */
export function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected a DomainError, nothing was thrown");
}
