/** The media server's socket.io types, from the shared wire contract (#live/wire.ts). */
import type { Server, Socket } from "socket.io";
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from "#live/wire.ts";

export type MediaIo = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type MediaSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type Notification = keyof ServerToClientEvents;
