import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireManager, scopePaths, forbidden } from "#app/auth/permissions.server.ts";
import { childUnits, createUnit, getUnit, searchUnits } from "#app/org/units.server.ts";
import { domainFailure, readForm, readSearch } from "#app/http/forms.server.ts";
import { Notice, InputField } from "#app/components/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { scope } = await requireManager(request, context);
  const { q } = readSearch(request, z.object({ q: z.string().max(200).optional() }));
  if (q && q.trim()) {
    return { q, results: await searchUnits(context.db, q, { withinPaths: scopePaths(scope), limit: 100 }), roots: [], isAdmin: scope.all };
  }
  const roots = scope.all
    ? await childUnits(context.db, null)
    : (
        await Promise.all(
          scope.roots.map(async (r) => {
            const u = (await getUnit(context.db, r.id))!;
            return (await childUnits(context.db, u.parentId)).filter((c) => c.id === u.id);
          }),
        )
      ).flat();
  return { q: "", results: null, roots, isAdmin: scope.all };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { scope } = await requireManager(request, context);
  if (!scope.all) forbidden();
  const f = await readForm(request, z.object({ code: z.string().max(64), name: z.string().max(300) }));
  try {
    const u = await createUnit(context.db, { code: f.code, name: f.name, parentId: null });
    return redirect(`/manage/units/${u.id}`);
  } catch (e) {
    return domainFailure(e);
  }
}

export default function UnitsIndex() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  return (
    <>
      <h1>{t("units.title")}</h1>
      <Form method="get" role="search" className="row">
        <div className="field">
          <label htmlFor="q">{t("common.search")}</label>
          <input id="q" name="q" type="search" defaultValue={d.q} placeholder={t("units.searchPlaceholder")} />
        </div>
        <button type="submit">{t("common.search")}</button>
      </Form>
      {d.results ? (
        d.results.length === 0 ? (
          <p>{t("units.noResults")}</p>
        ) : (
          <ul className="tree card" data-testid="unit-results">
            {d.results.map((u) => (
              <li key={u.id}>
                <Link to={`/manage/units/${u.id}`}>{u.name}</Link>
                <span className="muted">{u.code}</span>
              </li>
            ))}
          </ul>
        )
      ) : (
        <ul className="tree card">
          {d.roots.map((u) => (
            <li key={u.id}>
              <Link to={`/manage/units/${u.id}`}>{u.name}</Link>
              <span className="muted">
                {u.code} · {t("units.childCount", { count: u.childCount })} · {t("units.memberCount", { count: u.memberCount })}
              </span>
            </li>
          ))}
        </ul>
      )}
      {d.isAdmin ? (
        <section className="card">
          <h2>{t("units.createRoot")}</h2>
          <Notice flash={a?.flash} />
          <Form method="post" className="row">
            <InputField label={t("units.code")} name="code" required maxLength={64} />
            <InputField label={t("units.name")} name="name" required maxLength={300} />
            <button type="submit">{t("units.createRoot")}</button>
          </Form>
        </section>
      ) : null}
    </>
  );
}
