/** The schedule / edit form of a live session (client-safe; the action reads it with readSessionForm). */
import { Form, useNavigation } from "@remix-run/react";
import { Field, InputField } from "#app/components/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";

export type SessionFormValues = {
  title: string;
  description: string;
  documentUrl: string;
  start: string;
  end: string;
  presenters: string;
  units: string;
  members: string;
  presentMinPercent: number;
  lateAfterMinutes: number;
};

export function SessionForm({ values, submitLabel, intent, scopeHint }: { values: SessionFormValues; submitLabel: string; intent: string; scopeHint?: string }) {
  const { t } = useT();
  const busy = useNavigation().state === "submitting";
  return (
    <Form method="post" encType="multipart/form-data" className="live-form" data-testid="session-form">
      <input type="hidden" name="intent" value={intent} />
      <InputField label={t("live.form.title")} name="title" required maxLength={300} defaultValue={values.title} />
      <Field label={t("live.form.description")} name="description">
        <textarea id="description" name="description" rows={3} maxLength={5000} defaultValue={values.description} />
      </Field>
      <div className="row">
        <InputField label={t("live.form.start")} name="start" hint={t("live.form.timeZone")} type="datetime-local" required defaultValue={values.start} />
        <InputField label={t("live.form.end")} name="end" type="datetime-local" required defaultValue={values.end} />
      </div>
      <InputField label={t("live.form.documentUrl")} name="documentUrl" hint={t("live.form.documentHint")} type="text" inputMode="url" maxLength={2000} defaultValue={values.documentUrl} placeholder="https://" />
      <InputField label={t("live.form.documentFile")} name="documentFile" type="file" accept="application/pdf,.pdf" />
      <InputField label={t("live.form.presenters")} name="presenters" hint={t("live.form.codesHint")} required defaultValue={values.presenters} autoCapitalize="characters" />
      <InputField label={t("live.form.units")} name="units" hint={scopeHint ? `${t("live.form.codesHint")} ${scopeHint}` : t("live.form.codesHint")} defaultValue={values.units} autoCapitalize="characters" />
      <Field label={t("live.form.members")} name="members" hint={t("live.form.codesHint")}>
        <textarea id="members" name="members" rows={2} defaultValue={values.members} autoCapitalize="characters" />
      </Field>
      <fieldset className="live-rule">
        <legend>{t("live.form.rule")}</legend>
        <div className="row">
          <InputField label={t("live.form.presentMinPercent")} name="presentMinPercent" type="number" min={0} max={100} step={1} required defaultValue={values.presentMinPercent} />
          <InputField label={t("live.form.lateAfterMinutes")} name="lateAfterMinutes" type="number" min={0} max={600} step={1} required defaultValue={values.lateAfterMinutes} />
        </div>
      </fieldset>
      <button type="submit" disabled={busy} data-testid="session-submit">
        {submitLabel}
      </button>
    </Form>
  );
}
