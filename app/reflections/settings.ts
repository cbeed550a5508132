import { z } from "zod";
import { REFLECTION_GRADERS, REFLECTION_SCALES } from "#db/schema/enums.ts";
import { isDay } from "#app/common/vietnam-time.ts";

/**
 * The rules of a "reflection" item, frozen into each published version with the prompt. Length is
 * counted in words (runs of letters or digits, so a Vietnamese syllable is one word, as the
 * organisation's own forms count "số chữ"); characters would reward padding with spaces.
 * `dueDay` is a Vietnam calendar day: due at its end. Client-safe.
 */
export const reflectionSettingsSchema = z
  .object({
    minWords: z.number().int().min(0).max(20000).default(200),
    maxWords: z.number().int().min(1).max(20000).default(2000),
    dueDay: z
      .string()
      .refine((s) => isDay(s), "YYYY-MM-DD")
      .nullable()
      .default(null),
    graders: z.enum(REFLECTION_GRADERS).default("cell"),
    scale: z.enum(REFLECTION_SCALES).default("pass-revise"),
    /** "score" scale: scores run 0–100, this one and above pass. */
    passMark: z.number().int().min(1).max(100).nullable().default(null),
  })
  .strict()
  .refine((s) => s.minWords <= s.maxWords, { message: "minWords must not exceed maxWords", path: ["minWords"] })
  .refine((s) => s.scale !== "score" || s.passMark !== null, { message: "a score scale needs passMark", path: ["passMark"] });

export type ReflectionSettings = z.infer<typeof reflectionSettingsSchema>;

export const DEFAULT_REFLECTION_SETTINGS: ReflectionSettings = reflectionSettingsSchema.parse({});

/** Settings as stored (a JSON column written through the schema); anything unreadable falls back to the defaults. */
export function reflectionSettingsOf(raw: unknown): ReflectionSettings {
  const r = reflectionSettingsSchema.safeParse(raw ?? {});
  return r.success ? r.data : DEFAULT_REFLECTION_SETTINGS;
}

const WORD = /[\p{L}\p{N}]+/gu;

/** Words in a text, as the length rule counts them. */
export function countWords(text: string): number {
  return text.normalize("NFC").match(WORD)?.length ?? 0;
}
