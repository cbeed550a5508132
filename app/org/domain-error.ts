import type { MessageKey } from "#app/i18n/catalog.ts";

/**
 * An expected failure of a domain rule, carrying a catalog key so the page (vi or en) or the CLI
 * (both) can say it in the reader's language.
 */
export class DomainError extends Error {
  constructor(
    readonly key: MessageKey,
    readonly params: Record<string, string | number> = {},
    readonly status = 400,
  ) {
    super(key);
    this.name = "DomainError";
  }
}
