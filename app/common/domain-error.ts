import type { MessageKey, ParamsOf, Params } from "#app/i18n/format.ts";
import type { ParamNames } from "#app/i18n/format.ts";
import type { vi } from "#app/i18n/vi.ts";

/** The parameters a key's template names (all of them, no others), then the HTTP status. */
type DomainArgs<K extends MessageKey> = [ParamNames<(typeof vi)[K]>] extends [never]
  ? [params?: Record<string, never>, status?: number]
  : [params: ParamsOf<K>, status?: number];

/**
 * An expected failure of a domain rule, carrying a catalog key so the page (vi or en) or the CLI
 * (both) can say it in the reader's language. The parameters are checked against the key's
 * template where the error is made, so it can be said later as a `Message`.
 */
export class DomainError<K extends MessageKey = MessageKey> extends Error {
  readonly params: Params;
  readonly status: number;
  constructor(
    readonly key: K,
    ...[params, status]: DomainArgs<K>
  ) {
    super(key);
    this.name = "DomainError";
    this.params = params ?? {};
    this.status = status ?? 400;
  }
}
