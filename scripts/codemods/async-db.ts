/**
 * The mechanical half of ADR 0015's step 1: turns synchronous better-sqlite3 drizzle calls into
 * awaited ones and makes every function that now awaits — and every caller of such a function —
 * async, to a fixed point. What it cannot decide (a promise passed to .map, a sync callback API)
 * is left to `tsc --noEmit`, which then lists it. Run on a clean tree, review the diff, commit:
 *
 *   npx tsx scripts/codemods/async-db.ts [--dry-run]
 *
 * Rewrites, where the receiver is a drizzle SQLite query builder (its type comes from drizzle-orm):
 *   q.all() → await q          q.get() → await first(q)          q.run() → await q
 * and `writeTx(db, (tx) => …)` bodies become `async (tx) => …`.
 */
import path from "node:path";
import fs from "node:fs";
import ts from "typescript";
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);

const root = path.resolve(import.meta.dirname, "..", "..");
const dryRun = process.argv.includes("--dry-run");
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt > 0 ? process.argv[onlyAt + 1].split(",") : undefined;
const SCOPE = /^(app|media-server|live-protocol|scripts|tests|bench|db)\//;
const SKIP = /^(db\/(sqlite-write-path|copy-to-postgres|postgres-migrate)|db\/client|scripts\/codemods\/|tests\/factories\/big-org)/;

function program() {
  const cfg = ts.getParsedCommandLineOfConfigFile(path.join(root, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  return ts.createProgram(cfg.fileNames, cfg.options);
}

type Edit = { file: string; start: number; end: number; text: string };

const rel = (f: string) => path.relative(root, f);
const inScope = (sf: ts.SourceFile) => !sf.isDeclarationFile && SCOPE.test(rel(sf.fileName)) && !SKIP.test(rel(sf.fileName));

function isDrizzleBuilder(checker: ts.TypeChecker, expr: ts.Expression): boolean {
  const t = checker.getTypeAtLocation(expr);
  const decls = [...(t.getSymbol()?.getDeclarations() ?? []), ...(t.aliasSymbol?.getDeclarations() ?? [])];
  // A builder after .where()/.limit() in dynamic mode is typed Omit<SQLite…Base<…>, …>, declared in lib.es5.
  if (/^(Omit<)?SQLite\w*(Base|Select)\b/.test(checker.typeToString(t))) return true;
  return decls.some((d) => /node_modules\/drizzle-orm\//.test(d.getSourceFile().fileName) && /sqlite-core|better-sqlite3/.test(d.getSourceFile().fileName));
}

function enclosingFunction(n: ts.Node): ts.FunctionLikeDeclaration | undefined {
  for (let p = n.parent; p; p = p.parent) {
    if (ts.isFunctionDeclaration(p) || ts.isFunctionExpression(p) || ts.isArrowFunction(p) || ts.isMethodDeclaration(p)) return p;
  }
  return undefined;
}

const isAsync = (f: ts.FunctionLikeDeclaration) => !!f.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);

/**
 * Functions this codemod made async, by file and name: only their calls get an await. Functions
 * that were async before (the live client's promise chains) keep being used as they were.
 */
const madeAsync = new Set<string>();
function keyOf(f: ts.Node): string | undefined {
  const sf = f.getSourceFile();
  if ((ts.isFunctionDeclaration(f) || ts.isMethodDeclaration(f)) && f.name) return `${rel(sf.fileName)}#${f.name.getText(sf)}`;
  if ((ts.isArrowFunction(f) || ts.isFunctionExpression(f)) && ts.isVariableDeclaration(f.parent)) return `${rel(sf.fileName)}#${f.parent.name.getText(sf)}`;
  return undefined;
}

/** Pass 1: drizzle terminals. */
function terminalEdits(p: ts.Program): Edit[] {
  const checker = p.getTypeChecker();
  const edits: Edit[] = [];
  for (const sf of p.getSourceFiles()) {
    if (!inScope(sf)) continue;
    const visit = (n: ts.Node) => {
      if (ts.isCallExpression(n) && n.arguments.length === 0 && ts.isPropertyAccessExpression(n.expression)) {
        const name = n.expression.name.text;
        const recv = n.expression.expression;
        if ((name === "all" || name === "get" || name === "run") && isDrizzleBuilder(checker, recv)) {
          const inner = recv.getText(sf);
          const text = name === "get" ? `(await first(${inner}))` : `(await ${inner})`;
          edits.push({ file: sf.fileName, start: n.getStart(sf), end: n.getEnd(), text });
          return; // the receiver is inside the replaced text
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return edits;
}

/** Pass 2: functions that contain an await but are not async; calls of async functions not awaited. */
function asyncEdits(p: ts.Program): Edit[] {
  const checker = p.getTypeChecker();
  const edits: Edit[] = [];
  const seen = new Set<ts.Node>();
  /** `f` becomes async (once): the keyword after `export`, `static`, `private`…, and a declared return type T becomes Promise<T>. */
  const makeAsync = (sf: ts.SourceFile, f: ts.FunctionLikeDeclaration) => {
    seen.add(f);
    const key = keyOf(f);
    if (key) madeAsync.add(key);
    let at = f.modifiers?.length ? f.modifiers.end : f.getStart(sf);
    while (/\s/.test(sf.text[at])) at++;
    edits.push({ file: sf.fileName, start: at, end: at, text: "async " });
    if (f.type && !/^Promise</.test(f.type.getText(sf))) {
      edits.push({ file: sf.fileName, start: f.type.getStart(sf), end: f.type.getEnd(), text: `Promise<${f.type.getText(sf)}>` });
    }
  };
  for (const sf of p.getSourceFiles()) {
    if (!inScope(sf)) continue;
    const visit = (n: ts.Node) => {
      if (ts.isAwaitExpression(n)) {
        const f = enclosingFunction(n);
        if (f && !isAsync(f) && !seen.has(f)) makeAsync(sf, f);
      }
      // `return writeTx(…)` in a function declared to return T: it now returns Promise<T>.
      if (ts.isReturnStatement(n) && n.expression) {
        const f = enclosingFunction(n);
        const t = checker.getTypeAtLocation(n.expression);
        const promised = t.getSymbol()?.getName() === "Promise";
        const declared = f?.type ? !/^Promise</.test(f.type.getText(sf)) : true;
        if (f && promised && !isAsync(f) && declared && !seen.has(f) && (only ? only.some((d) => rel(sf.fileName).startsWith(`${d}/`)) : true)) makeAsync(sf, f);
      }
      if (ts.isCallExpression(n) && !ts.isAwaitExpression(n.parent) && !ts.isReturnStatement(n.parent)) {
        const sig = checker.getResolvedSignature(n);
        const decl = sig?.getDeclaration();
        const declFile = decl?.getSourceFile();
        const ours = declFile && inScope(declFile);
        const target = decl && (ts.isVariableDeclaration(decl.parent) ? decl : decl);
        const key = target && keyOf(target);
        const promised = checker.getTypeAtLocation(n).getSymbol()?.getName() === "Promise";
        const usedAsValue =
          (ts.isPropertyAccessExpression(n.parent) && n.parent.expression === n && !["then", "catch", "finally"].includes(n.parent.name.text)) ||
          (ts.isElementAccessExpression(n.parent) && n.parent.expression === n) ||
          ts.isNonNullExpression(n.parent);
        if (ours && ((key && madeAsync.has(key)) || (promised && usedAsValue && enclosingFunction(n)))) {
          // A promise handed on as a value (to Promise.all, a variable typed as a promise…) is left alone.
          const parent = n.parent;
          const handedOn = ts.isArrayLiteralExpression(parent) || (ts.isCallExpression(parent) && parent.expression.getText(sf).startsWith("Promise.")) || ts.isArrowFunction(parent);
          if (!handedOn) {
            // `getUnit(db, id).name` needs `(await getUnit(db, id)).name`.
            const operand = ((ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent) || ts.isCallExpression(parent)) && parent.expression === n) || ts.isNonNullExpression(parent);
            edits.push(...awaitEdits(sf, n, operand));
          }
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return edits;
}

/** `await call`, or `(await call)` where the call is the operand of `.x`, `[i]`, `()` or `!`. */
function awaitEdits(sf: ts.SourceFile, n: ts.Node, operand: boolean): Edit[] {
  const at = n.getStart(sf);
  return operand
    ? [
        { file: sf.fileName, start: at, end: at, text: "(await " },
        { file: sf.fileName, start: n.getEnd(), end: n.getEnd(), text: ")" },
      ]
    : [{ file: sf.fileName, start: at, end: at, text: "await " }];
}

function apply(edits: Edit[]) {
  const byFile = new Map<string, Edit[]>();
  for (const e of edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  for (const [file, list] of byFile) {
    // `--only app,scripts` leaves every other directory's files as they are.
    if (only && !only.some((d) => rel(file).startsWith(`${d}/`))) continue;
    let text = fs.readFileSync(file, "utf8");
    for (const e of list.sort((a, b) => b.start - a.start)) text = text.slice(0, e.start) + e.text + text.slice(e.end);
    if (list.some((e) => e.text.includes("first(")) && !/\bfirst\b.*from "#db\//.test(text)) {
      text = `import { first } from "#db/first.ts";\n${text}`;
    }
    if (!dryRun) fs.writeFileSync(file, text);
  }
  return byFile.size;
}

/**
 * Pass 0: `writeTx(db, (tx) => …)` takes an async body and returns a promise: bodies become async
 * and calls awaited, so no write is left floating.
 */
function writeTxEdits(p: ts.Program): Edit[] {
  p.getTypeChecker(); // binds the files, which sets every node's parent
  const edits: Edit[] = [];
  for (const sf of p.getSourceFiles()) {
    if (!inScope(sf)) continue;
    const visit = (n: ts.Node) => {
      if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === "writeTx") {
        const body = n.arguments[1];
        if (body && (ts.isArrowFunction(body) || ts.isFunctionExpression(body)) && !isAsync(body)) {
          edits.push({ file: sf.fileName, start: body.getStart(sf), end: body.getStart(sf), text: "async " });
        }
        const parent = n.parent;
        const settled = ts.isAwaitExpression(parent) || ts.isReturnStatement(parent) || (ts.isArrowFunction(parent) && parent.body === n);
        if (!settled) {
          const operand = (ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) && parent.expression === n;
          edits.push(...awaitEdits(sf, n, operand));
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return edits;
}

/**
 * Functions that were synchronous at HEAD and are async now (made so by an earlier run of this
 * codemod, or by hand): their calls need awaits too, so a second run picks up where one stopped.
 */
function seedFromHead(p: ts.Program) {
  const { execSync } = require("node:child_process") as typeof import("node:child_process");
  const changed = execSync("git diff --name-only HEAD", { cwd: root, encoding: "utf8" }).split("\n").filter((f) => /\.tsx?$/.test(f));
  for (const file of changed) {
    let headText: string;
    try {
      headText = execSync(`git show HEAD:${JSON.stringify(file).slice(1, -1)}`, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    } catch {
      continue;
    }
    const before = new Set<string>();
    const head = ts.createSourceFile(path.join(root, file), headText, ts.ScriptTarget.Latest, true);
    const collect = (n: ts.Node) => {
      if ((ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && !isAsync(n)) {
        const k = keyOf(n);
        if (k) before.add(k);
      }
      ts.forEachChild(n, collect);
    };
    collect(head);
    const now = p.getSourceFile(path.join(root, file));
    if (!now) continue;
    const mark = (n: ts.Node) => {
      if ((ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && isAsync(n)) {
        const k = keyOf(n);
        if (k && before.has(k)) madeAsync.add(k);
      }
      ts.forEachChild(n, mark);
    };
    mark(now);
  }
  console.log(`functions made async since HEAD: ${madeAsync.size}`);
}

let round = 0;
{
  const p0 = program();
  p0.getTypeChecker();
  seedFromHead(p0);
}
console.log(`writeTx: ${apply(writeTxEdits(program()))} files`);
let files = apply(terminalEdits(program()));
console.log(`drizzle terminals: ${files} files`);
for (;;) {
  round++;
  const edits = asyncEdits(program()).filter((e) => !only || only.some((d) => rel(e.file).startsWith(`${d}/`)));
  if (edits.length === 0 || dryRun) break;
  files = apply(edits);
  console.log(`round ${round}: ${edits.length} edits in ${files} files`);
  if (round > 40) throw new Error("no fixed point after 40 rounds");
}
