import { data, MaxPartSizeExceededError, unstable_createMemoryUploadHandler, unstable_parseMultipartFormData } from "@remix-run/node";
import { z } from "zod";
import { DomainError } from "#app/common/domain-error.ts";
import type { Flash } from "#app/components/ui.tsx";

/** Reads a urlencoded form and validates it; malformed input is a 400, never an exception. */
export async function readForm<S extends z.ZodTypeAny>(request: Request, schema: S): Promise<z.infer<S>> {
  const form = await request.formData();
  const obj: Record<string, string> = {};
  for (const [k, v] of form.entries()) if (typeof v === "string") obj[k] = v;
  const parsed = schema.safeParse(obj);
  if (!parsed.success) throw new Response("Bad Request", { status: 400 });
  return parsed.data;
}

export function readSearch<S extends z.ZodTypeAny>(request: Request, schema: S): z.infer<S> {
  const url = new URL(request.url);
  const parsed = schema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) throw new Response("Bad Request", { status: 400 });
  return parsed.data;
}

/**
 * Ids in URLs are written one way only: decimal digits without a leading zero. "0x3", "1.0", "3e0"
 * or " 3" would coerce to a number, but a second spelling of one URL is a second thing to get
 * right (caches, logs, scope checks keyed by the path), so they are 404 like any unknown id.
 */
export const idParam = z
  .string()
  .regex(/^[1-9][0-9]{0,14}$/)
  .transform(Number);

export function parseId(raw: string | undefined): number {
  const r = idParam.safeParse(raw);
  if (!r.success) throw new Response("Not Found", { status: 404 });
  return r.data;
}

export function ok(key: Flash["key"], params?: Flash["params"]) {
  return { flash: { key, params, tone: "ok" } as Flash };
}

/** Turns an expected rule violation into a message on the same page; anything else propagates. */
export function domainFailure(e: unknown) {
  if (e instanceof DomainError) {
    return data({ flash: { key: e.key, params: e.params, tone: "error" } as Flash }, { status: e.status });
  }
  throw e;
}

export type MultipartRead = { ok: true; form: FormData } | { ok: false; reason: "too-large" | "malformed" };

/**
 * Reads a multipart upload held in memory (the body was already bounded by app/http/body-limits.ts).
 * A body that is not multipart at all, has no boundary, ends early or has a part without
 * Content-Disposition is "malformed": the route answers 400 with a message, never a stack trace.
 */
export async function readMultipart(request: Request, maxPartSize: number): Promise<MultipartRead> {
  if (!/^multipart\/form-data;.*boundary=/i.test(request.headers.get("content-type") ?? "")) return { ok: false, reason: "malformed" };
  try {
    return { ok: true, form: await unstable_parseMultipartFormData(request, unstable_createMemoryUploadHandler({ maxPartSize })) };
  } catch (e) {
    if (e instanceof MaxPartSizeExceededError) return { ok: false, reason: "too-large" };
    return { ok: false, reason: "malformed" };
  }
}
