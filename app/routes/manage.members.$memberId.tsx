import { type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { startOfVnDay } from "#app/common/vietnam-time.ts";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import {
  accountsBeyondScope,
  forbidden,
  grantsOf,
  notFound,
  requireAccountWithinScope,
  requireManager,
  requireMemberScope,
  unitInScope,
} from "#app/auth/permissions.server.ts";
import { issueActivationCodes, setDisabled, transferMember, unitHistory, updateMember } from "#app/org/members.server.ts";
import { getUnitByCode } from "#app/org/units.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { domainFailure, ok, parseId, readForm } from "#app/http/forms.server.ts";
import { grantScope, revokeScope } from "#app/org/grants.server.ts";
import { MEMBER_STATUSES, ROLES } from "#db/schema/enums.ts";
import { Field, Notice, InlineAction, InputField } from "#app/components/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";
import { DataTable } from "#app/components/data-table.tsx";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { scope } = await requireManager(request, context);
  const { member, unit } = await requireMemberScope(context.db, scope, parseId(params.memberId));
  const { passwordHash, activationCodeHash, ...safe } = member;
  return {
    member: { ...safe, hasPassword: !!passwordHash, hasPendingCode: !!activationCodeHash },
    unit: { id: unit.id, code: unit.code, name: unit.name },
    history: (await unitHistory(context.db, member.id)).map((r) => ({ ...r.h, unitCode: r.unitCode, unitName: r.unitName })),
    grants: await grantsOf(context.db, [member.id]),
    isAdmin: scope.all,
    // The page offers no action on an account the caller may not change (the action refuses it too).
    canChange: (await accountsBeyondScope(context.db, scope, [member.id])).size === 0,
  };
}

const schema = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("update"),
    fullName: z.string().max(300),
    position: z.string().max(300),
    email: z.string().max(300),
    phone: z.string().max(40),
    status: z.enum(MEMBER_STATUSES),
  }),
  z.object({
    intent: z.literal("transfer"),
    unitCode: z.string().trim().min(1).max(64),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().or(z.literal("")),
    note: z.string().max(500).optional(),
  }),
  z.object({ intent: z.literal("disable") }),
  z.object({ intent: z.literal("enable") }),
  z.object({ intent: z.literal("issue-code") }),
  z.object({ intent: z.literal("role"), role: z.enum(ROLES) }),
  z.object({ intent: z.literal("add-scope"), unitCode: z.string().trim().min(1).max(64) }),
  z.object({ intent: z.literal("remove-scope"), unitId: z.coerce.number().int().positive() }),
]);

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { session, scope } = await requireManager(request, context);
  const { member } = await requireMemberScope(context.db, scope, parseId(params.memberId));
  const actor = session.member.id;
  const f = await readForm(request, schema);
  const isSelf = member.id === actor;
  try {
    // Every intent acts on the account, and controlling an account is controlling all it can reach:
    // a trainer may not touch administrators or holders of grants outside the trainer's subtrees.
    await requireAccountWithinScope(context.db, scope, member.id);
    switch (f.intent) {
      case "update":
        await updateMember(context.db, member.id, { fullName: f.fullName, position: f.position, email: f.email, phone: f.phone, status: f.status }, actor);
        return ok("common.saved");
      case "transfer": {
        const target = await getUnitByCode(context.db, f.unitCode);
        // A unit outside the caller's scope is reported exactly like a unit that does not exist.
        if (!target || !unitInScope(scope, target)) throw new DomainError("unit.error.notFound", {}, 404);
        const at = f.date ? startOfVnDay(f.date) : new Date();
        await transferMember(context.db, member.id, target.id, actor, at, f.note || undefined);
        return ok("members.transferred");
      }
      case "disable": {
        if (isSelf) throw new DomainError("member.error.self", {}, 400);
        const revoked = await setDisabled(context.db, member.id, true, actor);
        return ok("members.disabledNotice", { count: revoked });
      }
      case "enable":
        await setDisabled(context.db, member.id, false, actor);
        return ok("members.enabledNotice");
      case "issue-code": {
        const [issued] = await issueActivationCodes(context.db, [member.id], actor);
        return ok("members.codeIssued", { name: member.fullName, code: issued.code });
      }
      case "role":
        if (!scope.all) forbidden();
        if (isSelf) throw new DomainError("member.error.self", {}, 400);
        await updateMember(context.db, member.id, { role: f.role }, actor);
        return ok("common.saved");
      case "add-scope": {
        if (!scope.all) forbidden();
        const unit = await getUnitByCode(context.db, f.unitCode);
        if (!unit) throw new DomainError("unit.error.notFound", {}, 404);
        await grantScope(context.db, member.id, unit.id, actor);
        return ok("common.saved");
      }
      case "remove-scope":
        if (!scope.all) forbidden();
        await revokeScope(context.db, member.id, f.unitId, actor);
        return ok("common.saved");
    }
  } catch (e) {
    return domainFailure(e);
  }
  notFound();
}

export default function MemberPage() {
  const { t, formatDate } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  const m = d.member;
  return (
    <>
      <p>
        <Link to={`/manage/members?unit=${d.unit.id}`}>← {d.unit.name}</Link>
      </p>
      <h1>
        {m.fullName} <span className="muted">({m.code})</span>
      </h1>
      <p>
        {t(`role.${m.role}`)} · {t(`status.${m.status}`)}
        {m.disabledAt ? <span className="badge badge-err"> {t("member.disabled")}</span> : null}
        {!m.hasPassword ? <span className="badge badge-warn"> {t("member.notActivated")}</span> : null}
      </p>
      <Notice flash={a?.flash} />
      {d.canChange ? (
        <div className="two-col">
          <section className="card">
            <h2>{t("members.edit")}</h2>
            <Form method="post">
              <input type="hidden" name="intent" value="update" />
              <InputField label={t("members.fullName")} name="fullName" defaultValue={m.fullName} required />
              <InputField label={t("members.position")} name="position" defaultValue={m.position} />
              <InputField label={t("members.email")} name="email" type="email" defaultValue={m.email ?? ""} />
              <InputField label={t("members.phone")} name="phone" type="tel" defaultValue={m.phone ?? ""} />
              <Field label={t("members.status")} name="status">
                <select id="status" name="status" defaultValue={m.status}>
                  {MEMBER_STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {t(`status.${s}`)}
                    </option>
                  ))}
                </select>
              </Field>
              <button type="submit">{t("common.save")}</button>
            </Form>
          </section>
          <div>
            <section className="card">
              <h2>{t("members.transfer")}</h2>
              <Form method="post">
                <input type="hidden" name="intent" value="transfer" />
                <InputField label={t("members.transferTo")} name="unitCode" required />
                <InputField label={t("members.transferDate")} name="date" type="date" />
                <InputField label={t("members.transferNote")} name="note" />
                <button type="submit" className="secondary">
                  {t("members.transfer")}
                </button>
              </Form>
            </section>
            <section className="card">
              <h2>{t("members.account")}</h2>
              <Form method="post" className="row">
                <input type="hidden" name="intent" value={m.disabledAt ? "enable" : "disable"} />
                <button type="submit" className={m.disabledAt ? "secondary" : "danger"}>
                  {m.disabledAt ? t("members.enable") : t("members.disable")}
                </button>
              </Form>
              <Form method="post" className="row" style={{ marginTop: ".5rem" }}>
                <input type="hidden" name="intent" value="issue-code" />
                <button type="submit" className="secondary">
                  {t("members.issueCode")}
                </button>
              </Form>
            </section>
            {d.isAdmin ? (
              <section className="card">
                <h2>{t("members.role")}</h2>
                <Form method="post" className="row">
                  <input type="hidden" name="intent" value="role" />
                  <select name="role" defaultValue={m.role} aria-label={t("members.role")}>
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {t(`role.${r}`)}
                      </option>
                    ))}
                  </select>
                  <button type="submit" className="secondary">
                    {t("common.save")}
                  </button>
                </Form>
                <h2>{t("members.scopes")}</h2>
                <ul>
                  {d.grants.map((g) => (
                    <li key={g.unitId}>
                      {g.name} ({g.code}){" "}
                      <InlineAction intent="remove-scope" name="unitId" value={g.unitId}>
                        {t("members.removeScope")}
                      </InlineAction>
                    </li>
                  ))}
                </ul>
                <Form method="post" className="row">
                  <input type="hidden" name="intent" value="add-scope" />
                  <Field label={t("members.addScope")} name="scopeUnit">
                    <input id="scopeUnit" name="unitCode" required />
                  </Field>
                  <button type="submit" className="secondary">
                    {t("common.save")}
                  </button>
                </Form>
              </section>
            ) : null}
          </div>
        </div>
      ) : (
        <p className="notice notice-warn" role="status">
          {t("members.beyondScopeNotice")}
        </p>
      )}
      <section className="card">
        <h2>{t("members.history")}</h2>
        <DataTable
          rows={d.history}
          rowKey={(h) => h.id}
          columns={[
            { label: t("members.unit"), cell: (h) => `${h.unitName} (${h.unitCode})` },
            { label: t("members.historyFrom"), cell: (h) => formatDate(h.validFrom) },
            { label: t("members.historyTo"), cell: (h) => (h.validTo ? formatDate(h.validTo) : "—") },
            { label: t("members.transferNote"), cell: (h) => h.note ?? "" },
          ]}
        />
      </section>
    </>
  );
}
