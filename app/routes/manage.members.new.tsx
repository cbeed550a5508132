import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireManager, requireUnitScope, unitInScope } from "#app/auth/permissions.server.ts";
import { createMember } from "#app/org/members.server.ts";
import { getUnitByCode } from "#app/org/units.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { domainFailure, readForm, readSearch } from "#app/http/forms.server.ts";
import { Notice, InputField } from "#app/components/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { scope } = await requireManager(request, context);
  const s = readSearch(request, z.object({ unit: z.coerce.number().int().positive().optional().catch(undefined) }));
  const unit = s.unit ? await requireUnitScope(context.db, scope, s.unit) : null;
  return { unitCode: unit?.code ?? "" };
}

const schema = z.object({
  code: z.string().max(64),
  fullName: z.string().max(300),
  unitCode: z.string().trim().max(64),
  position: z.string().max(300).optional(),
  email: z.string().max(300).optional(),
  phone: z.string().max(40).optional(),
});

export async function action({ request, context }: ActionFunctionArgs) {
  const { session, scope } = await requireManager(request, context);
  const f = await readForm(request, schema);
  try {
    const unit = await getUnitByCode(context.db, f.unitCode);
    if (!unit || !unitInScope(scope, unit)) throw new DomainError("unit.error.notFound", {}, 404);
    const m = await createMember(context.db, { ...f, unitId: unit.id }, session.member.id);
    return redirect(`/manage/members/${m.id}`);
  } catch (e) {
    return domainFailure(e);
  }
}

export default function NewMember() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  return (
    <section className="card narrow">
      <h1>{t("members.new")}</h1>
      <Notice flash={a?.flash} />
      <Form method="post">
        <InputField label={t("members.code")} name="code" required maxLength={64} />
        <InputField label={t("members.fullName")} name="fullName" required maxLength={300} />
        <InputField label={t("units.code")} name="unitCode" required defaultValue={d.unitCode} maxLength={64} />
        <InputField label={`${t("members.position")} ${t("common.optional")}`} name="position" maxLength={300} />
        <InputField label={`${t("members.email")} ${t("common.optional")}`} name="email" type="email" maxLength={300} />
        <InputField label={`${t("members.phone")} ${t("common.optional")}`} name="phone" type="tel" maxLength={40} />
        <button type="submit">{t("members.new")}</button>
      </Form>
    </section>
  );
}
