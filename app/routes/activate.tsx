import { data, redirect, type ActionFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData } from "@remix-run/react";
import { z } from "zod";
import { sessionPolicy } from "#app/auth/permissions.server.ts";
import { activateAccount, lockedMessage, passwordProblem, signInRulesFromEnv } from "#app/auth/sign-in.server.ts";
import { sessionCookie } from "#app/auth/cookie.server.ts";
import { Notice, type Flash, InputField } from "#app/components/ui.tsx";
import { NewPasswordFields } from "#app/components/new-password-fields.tsx";
import { useT } from "#app/i18n/use-t.ts";

export const meta: MetaFunction = () => [{ title: "Kích hoạt tài khoản — Học Số" }];

const schema = z.object({
  identifier: z.string().trim().min(1).max(200),
  code: z.string().trim().min(1).max(40),
  password: z.string().max(1000),
  confirm: z.string().max(1000),
});

const fail = (key: Flash["key"], status: number, params?: Flash["params"]) =>
  data({ flash: { key, params, tone: "error" } as Flash }, { status });

export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = schema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return fail("activate.invalid", 400);
  const f = parsed.data;
  const problem = passwordProblem(f.password);
  if (problem) return fail(problem, 400);
  if (f.password !== f.confirm) return fail("password.error.mismatch", 400);
  const result = await activateAccount(
    context.db,
    { identifier: f.identifier, code: f.code, password: f.password, ip: context.clientIp, userAgent: request.headers.get("user-agent") },
    signInRulesFromEnv(context.env),
  );
  if (!result.ok) {
    if (result.reason === "locked") {
      const m = lockedMessage(result);
      return fail(m.key, 429, m.params);
    }
    return fail("activate.invalid", 401);
  }
  return redirect("/", {
    headers: { "Set-Cookie": sessionCookie(result.token, new Date(Date.now() + sessionPolicy(context).maxMs), context.secure) },
  });
}

export default function Activate() {
  const { t } = useT();
  const actionData = useActionData<typeof action>();
  return (
    <section className="card narrow">
      <h1>{t("activate.title")}</h1>
      <p>{t("activate.intro")}</p>
      <Notice flash={actionData?.flash} />
      <Form method="post">
        <InputField label={t("login.identifier")} name="identifier" autoComplete="username" required autoCapitalize="none" />
        <InputField label={t("activate.code")} name="code" required autoCapitalize="characters" autoComplete="one-time-code" />
        <NewPasswordFields label={t("activate.password")} confirmLabel={t("activate.confirm")} />
        <button type="submit">{t("activate.submit")}</button>
      </Form>
    </section>
  );
}
