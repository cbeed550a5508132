/**
 * A media node's registry record as a node writes it (media-server/src/cluster/registry.ts), for
 * the tests that write records themselves instead of running nodes: an idle origin-and-edge
 * node with one worker and room for 100 consumer slots, on a made-up internal address.
 */
import type { NodeStats } from "../../media-server/src/cluster/registry.ts";

export const nodeStats = (id: string, over: Partial<NodeStats> = {}): NodeStats => ({
  id,
  instance: `${id}/test`,
  internalUrl: `http://10.0.0.1:3101`,
  socketUrl: `http://10.0.0.1:3100`,
  pipeIp: "10.0.0.1",
  roles: ["origin", "edge"],
  workers: 1,
  producers: 0,
  consumers: 0,
  pipesOut: 0,
  pipesIn: 0,
  reserved: 0,
  capacity: 100,
  load: 0,
  sessions: [],
  ...over,
});
