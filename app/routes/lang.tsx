import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { serializeCookie, LOCALE_COOKIE } from "#app/auth/cookie.server.ts";
import { readForm } from "#app/http/forms.server.ts";
import { safeRedirect } from "#app/http/safe-redirect.ts";

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await readForm(request, z.object({ lang: z.enum(["vi", "en"]), redirectTo: z.string().optional() }));
  return redirect(safeRedirect(form.redirectTo), {
    headers: {
      "Set-Cookie": serializeCookie(LOCALE_COOKIE, form.lang, {
        maxAgeSeconds: 365 * 24 * 3600,
        secure: context.secure,
        httpOnly: false,
      }),
    },
  });
}

export const loader = () => redirect("/");
