import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireManager, requireUnitScope, unitInScope, notFound, type Scope } from "#app/auth/permissions.server.ts";
import { ancestors, childUnits, createUnit, deleteUnit, getUnitByCode, moveUnit, renameUnit } from "#app/org/units.server.ts";
import { domainFailure, ok, parseId, readForm } from "#app/http/forms.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { Field, Notice, InputField } from "#app/components/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { scope } = await requireManager(request, context);
  const unit = await requireUnitScope(context.db, scope, parseId(params.unitId));
  const crumbs = (await ancestors(context.db, unit)).filter((u) => unitInScope(scope, u));
  const isScopeRoot = !scope.all && scope.roots.some((r) => r.id === unit.id);
  return { unit, crumbs, children: await childUnits(context.db, unit.id), canEditSelf: scope.all || !isScopeRoot };
}

const schema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("create"), code: z.string().max(64), name: z.string().max(300) }),
  z.object({ intent: z.literal("rename"), name: z.string().max(300) }),
  z.object({ intent: z.literal("move"), parentCode: z.string().max(64) }),
  z.object({ intent: z.literal("delete") }),
]);

/** A trainer may change units below their subtree's root, but not the root itself. */
function requireEditable(scope: Scope, unitId: number) {
  if (!scope.all && scope.roots.some((r) => r.id === unitId)) throw new Response("Forbidden", { status: 403 });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { scope } = await requireManager(request, context);
  const unit = await requireUnitScope(context.db, scope, parseId(params.unitId));
  const f = await readForm(request, schema);
  try {
    switch (f.intent) {
      case "create": {
        const child = await createUnit(context.db, { code: f.code, name: f.name, parentId: unit.id });
        return ok("units.created", { code: child.code });
      }
      case "rename":
        requireEditable(scope, unit.id);
        await renameUnit(context.db, unit.id, f.name);
        return ok("common.saved");
      case "move": {
        requireEditable(scope, unit.id);
        const code = f.parentCode.trim();
        const parent = code ? await getUnitByCode(context.db, code) : null;
        if (code && !parent) throw new DomainError("unit.error.parentMissing", {}, 404);
        if (parent ? !unitInScope(scope, parent) : !scope.all) notFound();
        await moveUnit(context.db, unit.id, parent?.id ?? null);
        return ok("units.moved");
      }
      case "delete":
        requireEditable(scope, unit.id);
        await deleteUnit(context.db, unit.id);
        return redirect(unit.parentId ? `/manage/units/${unit.parentId}` : "/manage/units");
    }
  } catch (e) {
    return domainFailure(e);
  }
}

export default function UnitPage() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  return (
    <>
      <nav aria-label="breadcrumb">
        <ol className="breadcrumbs">
          <li>
            <Link to="/manage/units">{t("units.title")}</Link>
          </li>
          {d.crumbs.slice(0, -1).map((u) => (
            <li key={u.id}>
              <Link to={`/manage/units/${u.id}`}>{u.name}</Link>
            </li>
          ))}
        </ol>
      </nav>
      <h1>
        {d.unit.name} <span className="muted">({d.unit.code})</span>
      </h1>
      <Notice flash={a?.flash} />
      <p className="row">
        <Link className="button secondary" to={`/manage/members?unit=${d.unit.id}`}>
          {t("units.viewMembers")}
        </Link>
        <Link className="button secondary" to={`/manage/units/${d.unit.id}/activation`}>
          {t("units.activationCodes")}
        </Link>
      </p>
      <div className="two-col">
        <section className="card">
          <h2>{t("units.children")}</h2>
          {d.children.length === 0 ? (
            <p className="muted">{t("common.none")}</p>
          ) : (
            <ul className="tree" data-testid="children">
              {d.children.map((u) => (
                <li key={u.id}>
                  <Link to={`/manage/units/${u.id}`}>{u.name}</Link>
                  <span className="muted">
                    {u.code} · {t("units.memberCount", { count: u.memberCount })}
                  </span>
                </li>
              ))}
            </ul>
          )}
          <h2>{t("units.create")}</h2>
          <Form method="post" className="row">
            <input type="hidden" name="intent" value="create" />
            <Field label={t("units.code")} name="new-code">
              <input id="new-code" name="code" required maxLength={64} />
            </Field>
            <Field label={t("units.name")} name="new-name">
              <input id="new-name" name="name" required maxLength={300} />
            </Field>
            <button type="submit">{t("units.create")}</button>
          </Form>
        </section>
        {d.canEditSelf ? (
          <section className="card">
            <h2>{t("units.rename")}</h2>
            <Form method="post">
              <input type="hidden" name="intent" value="rename" />
              <Field label={t("units.name")} name="rename-name">
                <input id="rename-name" name="name" defaultValue={d.unit.name} required maxLength={300} />
              </Field>
              <button type="submit">{t("common.save")}</button>
            </Form>
            <h2>{t("units.move")}</h2>
            <Form method="post">
              <input type="hidden" name="intent" value="move" />
              <InputField label={t("units.moveTarget")} name="parentCode" maxLength={64} />
              <button type="submit" className="secondary">
                {t("units.move")}
              </button>
            </Form>
            <h2>{t("units.delete")}</h2>
            <p className="hint">{t("units.deleteHint")}</p>
            <Form method="post">
              <input type="hidden" name="intent" value="delete" />
              <button type="submit" className="danger">
                {t("units.delete")}
              </button>
            </Form>
          </section>
        ) : null}
      </div>
    </>
  );
}
