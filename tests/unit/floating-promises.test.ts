import { expect, test } from "vitest";
import { findFloatingPromises } from "../../scripts/checks/floating-promises.ts";

/**
 * ADR 0015 made the data layer async: a write nobody awaits may not have happened when the
 * request answers, and its failure becomes an unhandled rejection instead of a rolled-back
 * transaction. This fails on any promise dropped in server code (a call used as a statement,
 * an async callback given to forEach/map/filter, or to an API that expects `() => void`).
 */
test("server code awaits every promise it makes", () => {
  const found = findFloatingPromises(["app", "media-server", "scripts", "db", "live-protocol"]);
  expect(found).toEqual([]);
}, 120_000);
