import type { InputHTMLAttributes, ReactNode } from "react";
import { Form } from "@remix-run/react";
import { useT } from "#app/i18n/use-t.ts";
import type { MessageKey, Params } from "#app/i18n/catalog.ts";

/** A message from an action: a catalog key, so it is shown in the reader's language. */
export type Flash = { key: MessageKey; params?: Params; tone?: "ok" | "error" };

export function Notice({ flash }: { flash?: Flash | null }) {
  const { t } = useT();
  if (!flash) return null;
  const tone = flash.tone ?? "ok";
  return (
    <p className={`notice notice-${tone}`} role={tone === "error" ? "alert" : "status"}>
      {t(flash)}
    </p>
  );
}

export function Field({
  label,
  name,
  children,
  hint,
}: {
  label: string;
  name: string;
  children?: ReactNode;
  hint?: string;
}) {
  return (
    <div className="field">
      <label htmlFor={name}>{label}</label>
      {children}
      {hint ? <small className="hint">{hint}</small> : null}
    </div>
  );
}

export function Pager({ page, pages, hrefFor }: { page: number; pages: number; hrefFor: (p: number) => string }) {
  const { t } = useT();
  if (pages <= 1) return null;
  return (
    <nav className="pager" aria-label="pagination">
      {page > 1 ? <a href={hrefFor(page - 1)}>{t("common.prev")}</a> : <span />}
      <span>{t("common.page", { page, pages })}</span>
      {page < pages ? <a href={hrefFor(page + 1)}>{t("common.next")}</a> : <span />}
    </nav>
  );
}

/** One link-styled button in a line of text that posts `intent` and one row's id (`name`=`value`) to the page's action. */
export function InlineAction({ intent, name, value, children }: { intent: string; name: string; value: string | number; children: ReactNode }) {
  return (
    <Form method="post" className="inline">
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name={name} value={value} />
      <button type="submit" className="link-button">
        {children}
      </button>
    </Form>
  );
}

/** A labelled input; `name` is its form field and its id. */
export function InputField({ label, name, hint, ...input }: { label: string; name: string; hint?: string } & Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "name">) {
  return (
    <Field label={label} name={name} hint={hint}>
      <input id={name} name={name} {...input} />
    </Field>
  );
}
