import { data, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { getSession, sessionPolicy } from "#app/auth/permissions.server.ts";
import { lockedMessage, signIn, signInRulesFromEnv } from "#app/auth/sign-in.server.ts";
import { sessionCookie } from "#app/auth/cookie.server.ts";
import { readForm } from "#app/http/forms.server.ts";
import { safeRedirect } from "#app/http/safe-redirect.ts";
import { Notice, type Flash, InputField } from "#app/components/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";

export const meta: MetaFunction = () => [{ title: "Đăng nhập — Học Số" }];

/** Document responses only carry a route's headers through this export (Retry-After when locked). */
export const headers: HeadersFunction = ({ actionHeaders }) => {
  const retry = actionHeaders.get("Retry-After");
  return retry ? { "Retry-After": retry } : new Headers();
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (await getSession(request, context)) throw redirect("/");
  return null;
}

const schema = z.object({
  identifier: z.string().trim().min(1).max(200),
  password: z.string().min(1).max(1000),
  redirectTo: z.string().max(2000).optional(),
});

export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = schema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) {
    return data({ flash: { key: "login.invalid", tone: "error" } as Flash }, { status: 400 });
  }
  const form = parsed.data;
  const result = await signIn(
    context.db,
    { identifier: form.identifier, password: form.password, ip: context.clientIp, userAgent: request.headers.get("user-agent") },
    signInRulesFromEnv(context.env),
  );
  if (!result.ok) {
    if (result.reason === "locked") {
      return data(
        { flash: { ...lockedMessage(result), tone: "error" } as Flash },
        { status: 429, headers: { "Retry-After": String(Math.ceil(result.retryAfterMs / 1000)) } },
      );
    }
    return data({ flash: { key: "login.invalid", tone: "error" } as Flash }, { status: 401 });
  }
  const expiresAt = new Date(Date.now() + sessionPolicy(context).maxMs);
  return redirect(safeRedirect(form.redirectTo), {
    headers: { "Set-Cookie": sessionCookie(result.token, expiresAt, context.secure) },
  });
}

export default function Login() {
  const { t } = useT();
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const nav = useNavigation();
  return (
    <section className="card narrow">
      <h1>{t("login.title")}</h1>
      <Notice flash={actionData?.flash} />
      <Form method="post" replace>
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? "/"} />
        <InputField label={t("login.identifier")} name="identifier" autoComplete="username" required autoCapitalize="none" spellCheck={false} />
        <InputField label={t("login.password")} name="password" type="password" autoComplete="current-password" required />
        <button type="submit" disabled={nav.state !== "idle"}>
          {t("login.submit")}
        </button>
      </Form>
      <p>
        <a href="/activate">{t("login.activateLink")}</a>
      </p>
      <p className="hint">{t("login.demoHint")}</p>
    </section>
  );
}
