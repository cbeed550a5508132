import { commitUnitImport, previewUnitImport } from "#app/org/import-units.server.ts";
import { runImportCli } from "./import-cli.ts";

await runImportCli("units", previewUnitImport, commitUnitImport);
