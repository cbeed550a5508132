import { data, redirect, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { readSearch } from "#app/http/forms.server.ts";
import { normaliseCode } from "#app/certificates/code.ts";
import { InputField } from "#app/components/ui.tsx";
import { metaT, useT } from "#app/i18n/use-t.ts";

export const meta: MetaFunction = ({ matches }) => {
  const t = metaT(matches);
  return [{ title: `${t("verify.title")} — Học Số` }, { name: "robots", content: "noindex, nofollow" }];
};

export const headers: HeadersFunction = () => ({ "X-Robots-Tag": "noindex, nofollow" });

/** PUBLIC: type a code, land on its verification page. */
export function loader({ request }: LoaderFunctionArgs) {
  const { code } = readSearch(request, z.object({ code: z.string().max(100).optional() }));
  if (code === undefined || code.trim() === "") return { code: "", invalid: false };
  const canonical = normaliseCode(code);
  if (canonical) throw redirect(`/verify/${canonical}`);
  return data({ code, invalid: true }, { status: 404 });
}

export default function VerifyIndex() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  return (
    <section className="card narrow">
      <h1>{t("verify.title")}</h1>
      <p>{t("verify.intro")}</p>
      {d.invalid ? (
        <p className="notice notice-error" role="alert">
          {t("verify.notFound")}
        </p>
      ) : null}
      <Form method="get">
        <InputField label={t("verify.codeLabel")} name="code" required maxLength={100} defaultValue={d.code} autoComplete="off" autoCapitalize="characters" spellCheck={false} placeholder="HS-XXXX-XXXX-XXXX" />
        <button type="submit">{t("verify.submit")}</button>
      </Form>
      <p className="hint">{t("verify.privacy")}</p>
    </section>
  );
}
