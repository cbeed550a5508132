import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireUser } from "#app/auth/permissions.server.ts";
import { changePassword, passwordProblem } from "#app/auth/sign-in.server.ts";
import { ok } from "#app/http/forms.server.ts";
import { Notice, type Flash, InputField } from "#app/components/ui.tsx";
import { NewPasswordFields } from "#app/components/new-password-fields.tsx";
import { useT } from "#app/i18n/use-t.ts";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { member } = await requireUser(request, context);
  return { code: member.code, fullName: member.fullName };
}

const schema = z.object({ current: z.string().max(1000), password: z.string().max(1000), confirm: z.string().max(1000) });

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireUser(request, context);
  const parsed = schema.safeParse(Object.fromEntries(await request.formData()));
  const fail = (key: Flash["key"]) => data({ flash: { key, tone: "error" } as Flash }, { status: 400 });
  if (!parsed.success) return fail("error.badRequest");
  const problem = passwordProblem(parsed.data.password);
  if (problem) return fail(problem);
  if (parsed.data.password !== parsed.data.confirm) return fail("password.error.mismatch");
  const r = await changePassword(context.db, session.member.id, parsed.data.current, parsed.data.password, session.sessionId);
  if (r === "wrong-current") return fail("password.error.wrongCurrent");
  return ok("password.changed");
}

export default function Account() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  return (
    <section className="card narrow">
      <h1>{t("password.title")}</h1>
      <p className="muted">
        {d.fullName} · {d.code}
      </p>
      <Notice flash={a?.flash} />
      <Form method="post">
        <InputField label={t("password.current")} name="current" type="password" autoComplete="current-password" required />
        <NewPasswordFields label={t("password.new")} confirmLabel={t("password.confirm")} hint={t("password.error.short")} />
        <button type="submit">{t("password.submit")}</button>
      </Form>
    </section>
  );
}
