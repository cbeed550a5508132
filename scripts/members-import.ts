import { commitMemberImport, previewMemberImport } from "#app/org/import-members.server.ts";
import { runImportCli } from "./import-cli.ts";

await runImportCli("members", previewMemberImport, commitMemberImport);
