/**
 * Expected refusals: a handler throws a ClientError, the wrapper acks `{ error: code, …detail }`
 * (the auth middleware sends the code as a connect_error's `data`). The media server sends codes
 * only; the browser words them from the app's catalogs. Anything else is logged and answered
 * "internal".
 */
import type { Refusal } from "#live/refusals.ts";
import type { RefusalAck } from "#live/wire.ts";

export class ClientError extends Error {
  constructor(
    readonly code: Refusal,
    readonly detail: Omit<RefusalAck, "error"> = {},
  ) {
    super(code);
    this.name = "ClientError";
  }

  toAck(): RefusalAck {
    return { error: this.code, ...this.detail };
  }
}
