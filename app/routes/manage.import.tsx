import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { readMultipart } from "#app/http/forms.server.ts";
import { Form, useActionData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { requireManager } from "#app/auth/permissions.server.ts";
import { previewMemberImport, commitMemberImport } from "#app/org/import-members.server.ts";
import { previewUnitImport, commitUnitImport } from "#app/org/import-units.server.ts";
import type { ImportReport } from "#app/org/import-common.server.ts";
import type { CsvError } from "#app/org/csv-file.server.ts";
import { markImportUploadCommitted, pendingImportUpload, storeImportUpload } from "#app/org/import-uploads.server.ts";
import { IMPORT_MAX_BYTES } from "#app/http/body-limits.ts";
import { Notice, type Flash, InputField } from "#app/components/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";
import { DataTable, type Column } from "#app/components/data-table.tsx";

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireManager(request, context);
  return null;
}

type ActionResult =
  | { flash: Flash }
  | { fileError: CsvError; fileName: string }
  | { report: ImportReport; uploadId: string; fileName: string };

const previewers = { units: previewUnitImport, members: previewMemberImport };
const committers = { units: commitUnitImport, members: commitMemberImport };

/**
 * Step 1 (multipart): the file is stored and previewed. Step 2 (urlencoded): the stored bytes are
 * committed, so the rows written are exactly the rows the user saw.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const { session, scope } = await requireManager(request, context);
  const actor = session.member.id;
  const db = context.db;
  const contentType = request.headers.get("content-type") ?? "";
  if (contentType.startsWith("multipart/form-data")) {
    const read = await readMultipart(request, IMPORT_MAX_BYTES);
    if (!read.ok) {
      return read.reason === "too-large"
        ? data<ActionResult>({ flash: { key: "import.fileTooLarge", params: { mb: IMPORT_MAX_BYTES / 1024 / 1024 }, tone: "error" } }, { status: 413 })
        : data<ActionResult>({ flash: { key: "error.malformedUpload", tone: "error" } }, { status: 400 });
    }
    const form = read.form;
    const kind = z.enum(["units", "members"]).safeParse(form.get("kind"));
    const file = form.get("file");
    if (!kind.success) throw new Response("Bad Request", { status: 400 });
    if (!(file instanceof File) || file.size === 0) {
      return data<ActionResult>({ flash: { key: "import.fileMissing", tone: "error" } }, { status: 400 });
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    const fileName = file.name.normalize("NFC").slice(0, 200);
    const result = await previewers[kind.data](db, bytes, scope);
    if ("error" in result) return data<ActionResult>({ fileError: result.error, fileName }, { status: 422 });
    const uploadId = await storeImportUpload(db, { kind: kind.data, fileName, bytes, uploadedBy: actor });
    return data<ActionResult>({ report: result.report, uploadId, fileName });
  }
  const form = z.object({ uploadId: z.string().uuid() }).safeParse(Object.fromEntries(await request.formData()));
  if (!form.success) throw new Response("Bad Request", { status: 400 });
  const upload = await pendingImportUpload(db, form.data.uploadId, actor);
  if (!upload) return data<ActionResult>({ flash: { key: "import.expired", tone: "error" } }, { status: 410 });
  const result = await committers[upload.kind](db, new Uint8Array(upload.bytes), scope, actor);
  if ("error" in result) return data<ActionResult>({ fileError: result.error, fileName: upload.fileName }, { status: 422 });
  await markImportUploadCommitted(db, upload.id);
  return data<ActionResult>({ report: result.report, uploadId: upload.id, fileName: upload.fileName });
}

function Changes({ changes }: { changes: Record<string, { from: unknown; to: unknown }> }) {
  return (
    <>
      {Object.entries(changes).map(([k, v]) => (
        <div key={k}>
          <b>{k}</b>: {String(v.from ?? "—")} → {String(v.to ?? "—")}
        </div>
      ))}
    </>
  );
}

export default function ImportPage() {
  const { t, locale } = useT();
  const a = useActionData<typeof action>() as ActionResult | undefined;
  const nav = useNavigation();
  const busy = nav.state !== "idle";
  const report = a && "report" in a ? a : null;
  return (
    <>
      <h1>{t("import.title")}</h1>
      <p>{t("import.intro")}</p>
      {a && "flash" in a ? <Notice flash={a.flash} /> : null}
      {a && "fileError" in a ? (
        <p className="notice notice-error" role="alert" data-testid="file-error">
          {a.fileName}: {locale === "vi" ? a.fileError.vi : a.fileError.en}
        </p>
      ) : null}
      <Form method="post" encType="multipart/form-data" className="card">
        <fieldset className="field">
          <legend>{t("import.kind")}</legend>
          <label>
            <input type="radio" name="kind" value="members" defaultChecked style={{ width: "auto", minHeight: 0 }} /> {t("import.kindMembers")}
          </label>
          <label>
            <input type="radio" name="kind" value="units" style={{ width: "auto", minHeight: 0 }} /> {t("import.kindUnits")}
          </label>
        </fieldset>
        <InputField label={t("import.file")} name="file" type="file" accept=".csv,.txt,text/csv" required />
        <button type="submit" disabled={busy}>
          {busy ? "…" : t("import.preview")}
        </button>
        {busy ? <progress aria-label={t("import.preview")} /> : null}
      </Form>
      {report ? <ReportView result={report} busy={busy} /> : null}
    </>
  );
}

function ReportView({ result, busy }: { result: { report: ImportReport; uploadId: string; fileName: string }; busy: boolean }) {
  const { t } = useT();
  const r = result.report;
  const valid = r.created.length + r.updated.length;
  const line: Column<{ line: number }> = { label: t("import.line"), cell: (x) => x.line };
  const code: Column<{ code?: string | null }> = { label: t("members.code"), cell: (x) => x.code ?? "" };
  return (
    <section className="card" data-testid="import-report">
      <h2>{t(r.committed ? "import.committedTitle" : "import.previewTitle", { file: result.fileName })}</h2>
      <p className="muted">{t("import.encoding", { encoding: r.encoding })}</p>
      <p data-testid="import-summary">
        {t("import.summary", { total: r.totalRows, created: r.created.length, updated: r.updated.length, unchanged: r.unchanged, rejected: r.rejected.length })}
      </p>
      {!r.committed ? (
        valid > 0 ? (
          <Form method="post">
            <input type="hidden" name="uploadId" value={result.uploadId} />
            <button type="submit" disabled={busy}>
              {t("import.commit")}
            </button>
          </Form>
        ) : (
          <p>{t("import.nothingToCommit")}</p>
        )
      ) : null}
      {r.rejected.length > 0 ? (
        <>
          <h3>{t("import.rejectedTitle")}</h3>
          {r.rejected.length > 2000 ? <p className="hint">{t("import.listTruncated", { shown: 2000, total: r.rejected.length })}</p> : null}
          <DataTable
            testId="rejected"
            rows={r.rejected.slice(0, 2000)}
            rowKey={(x) => `${x.line}:${x.key}`}
            columns={[line, code, { label: t("import.reason"), cell: (x) => t(x) }]}
          />
        </>
      ) : null}
      {r.updated.length > 0 ? (
        <>
          <h3>{t("import.updatedTitle")}</h3>
          <DataTable rows={r.updated.slice(0, 500)} rowKey={(x) => x.line} columns={[line, code, { label: t("import.changes"), cell: (x) => <Changes changes={x.changes} /> }]} />
        </>
      ) : null}
      {r.created.length > 0 ? (
        <>
          <h3>{t("import.createdTitle")}</h3>
          <DataTable rows={r.created.slice(0, 500)} rowKey={(x) => x.line} columns={[line, code, { label: t("members.fullName"), cell: (x) => x.name }]} />
        </>
      ) : null}
    </section>
  );
}
