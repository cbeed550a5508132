/**
 * A socket's handlers, one module per concern (media, cell room, presenter, chat, lifecycle),
 * composed here around one wrapper (on.ts: rate limit, size bound, zod, ack).
 */
import type { MediaSocket } from "../socket.ts";
import { cellRoomHandlers } from "./cell-room.ts";
import { chatHandlers } from "./chat.ts";
import { Connection, type HandlerDeps } from "./connection.ts";
import { lifecycleHandlers } from "./lifecycle.ts";
import { mediaHandlers } from "./media.ts";
import { eventWrapper } from "./on.ts";
import { presenterHandlers } from "./presenter.ts";

export { connectionOf, type HandlerDeps } from "./connection.ts";

export function registerHandlers(socket: MediaSocket, deps: HandlerDeps) {
  const conn = new Connection(socket, deps);
  const on = eventWrapper(socket, conn);
  const { screenJoin, screenLeft } = cellRoomHandlers(on, conn);
  mediaHandlers(on, conn, screenJoin);
  presenterHandlers(on, conn);
  chatHandlers(on, conn);
  lifecycleHandlers(on, conn, screenLeft);
}
