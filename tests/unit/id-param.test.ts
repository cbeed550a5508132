import { describe, expect, test } from "vitest";
import { parseId } from "#app/http/forms.server.ts";

describe("parseId", () => {
  test("takes canonical decimal ids", () => {
    expect(parseId("3")).toBe(3);
    expect(parseId("120045")).toBe(120045);
  });

  test.each(["0x3", "1.0", "3e0", " 3", "3 ", "03", "0", "-3", "+3", "", "１２", "999999999999999999"])("answers 404 for %j", (raw) => {
    let status = 0;
    try {
      parseId(raw);
    } catch (e) {
      status = (e as Response).status;
    }
    expect(status).toBe(404);
  });

  test("answers 404 when the parameter is missing", () => {
    expect(() => parseId(undefined)).toThrow();
  });
});
