/**
 * Lists promises nobody awaits: a call whose value is a Promise, used as a statement on its own
 * (not awaited, returned, or marked `void` on purpose). After ADR 0015 made the data layer async,
 * such a call is a write that may not have happened when the request answers.
 *
 *   npx tsx scripts/checks/floating-promises.ts [dir…]     (exit 1 when any is found)
 *
 * A place that hands over a promise on purpose, with its failure handled inside, says so with a
 * comment on the line above: `// async-ok: <why>`. tests/unit/floating-promises.test.ts runs this.
 */
import path from "node:path";
import ts from "typescript";

const root = path.resolve(import.meta.dirname, "..", "..");

const ARRAY_METHODS = new Set([
  "forEach",
  "map",
  "flatMap",
  "filter",
  "some",
  "every",
  "find",
  "findIndex",
  "findLast",
  "sort",
  "reduce",
]);

/** Callees that take an async callback knowingly: test hooks, timers with their own catch, socket handlers wrapped by on(). */
const VOID_OK =
  /^(it|test|beforeAll|afterAll|beforeEach|afterEach|describe|setInterval|setTimeout|on|io\.on|socket\.on|server\.on|app\.(get|post|use|all)|router\.\w+|process\.on|\w+\.once|\w+\.on)$/;

const isPromise = (t: ts.Type): boolean =>
  t.getSymbol()?.getName() === "Promise" ||
  (t.isUnion() && t.types.some(isPromise));

/** Every floating promise in the given top-level directories, as "file:line: what". */
export function findFloatingPromises(dirs: string[]): string[] {
  const cfg = ts.getParsedCommandLineOfConfigFile(
    path.join(root, "tsconfig.json"),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} }
  )!;
  const program = ts.createProgram(cfg.fileNames, cfg.options);
  const checker = program.getTypeChecker();
  const found: string[] = [];
  const allowed = (sf: ts.SourceFile, n: ts.Node) => {
    const { line } = sf.getLineAndCharacterOfPosition(n.getStart(sf));
    return (
      line > 0 && /\/\/ async-ok:/.test(sf.text.split("\n")[line - 1] ?? "")
    );
  };
  for (const sf of program.getSourceFiles()) {
    const rel = path.relative(root, sf.fileName);
    if (sf.isDeclarationFile || !dirs.some((d) => rel.startsWith(`${d}/`)))
      continue;
    const visit = (n: ts.Node) => {
      // An array method handed an async callback: forEach drops the promises, filter/some/every/find
      // test a promise (always truthy), map/flatMap return promises where values were meant.
      if (
        ts.isCallExpression(n) &&
        ts.isPropertyAccessExpression(n.expression) &&
        ARRAY_METHODS.has(n.expression.name.text)
      ) {
        const cb = n.arguments[0];
        if (cb && (ts.isArrowFunction(cb) || ts.isFunctionExpression(cb))) {
          const sig = checker.getSignatureFromDeclaration(cb);
          const ret = sig && checker.getReturnTypeOfSignature(sig);
          const gathered =
            ts.isCallExpression(n.parent) &&
            /^Promise\.(all|allSettled|race|any)$/.test(
              n.parent.expression.getText(sf)
            );
          const direct = ret && isPromise(ret) && !gathered;
          if (direct) {
            const { line } = sf.getLineAndCharacterOfPosition(n.getStart(sf));
            if (!allowed(sf, n))
              found.push(
                `${rel}:${line + 1}: .${
                  n.expression.name.text
                }() with an async callback`
              );
          }
        }
      }
      // An async function where a void-returning one is expected (a callback type `() => void`):
      // whoever calls it drops the promise, and with it the write's failure.
      if (
        (ts.isArrowFunction(n) || ts.isFunctionExpression(n)) &&
        !/\.client\.|app\/components\//.test(rel)
      ) {
        const sig = checker.getSignatureFromDeclaration(n);
        const ret = sig && checker.getReturnTypeOfSignature(sig);
        const ctx = checker.getContextualType(n);
        const wantsVoid =
          !!ctx &&
          ctx.getCallSignatures().length > 0 &&
          ctx
            .getCallSignatures()
            .every(
              (c) =>
                (checker.getReturnTypeOfSignature(c).flags &
                  ts.TypeFlags.Void) !==
                0
            );
        if (
          ret &&
          isPromise(ret) &&
          wantsVoid &&
          !ts.isCallExpression(n.parent)
        ) {
          const { line } = sf.getLineAndCharacterOfPosition(n.getStart(sf));
          if (!allowed(sf, n))
            found.push(
              `${rel}:${
                line + 1
              }: an async function where a void callback is expected`
            );
        } else if (
          ret &&
          isPromise(ret) &&
          wantsVoid &&
          ts.isCallExpression(n.parent) &&
          !VOID_OK.test(n.parent.expression.getText(sf))
        ) {
          const { line } = sf.getLineAndCharacterOfPosition(n.getStart(sf));
          if (!allowed(sf, n))
            found.push(
              `${rel}:${
                line + 1
              }: an async callback passed to ${n.parent.expression
                .getText(sf)
                .slice(0, 60)}(), which ignores its promise`
            );
        }
      }
      if (ts.isExpressionStatement(n)) {
        const e = n.expression;
        // A chain ending in .then/.catch/.finally handles its own outcome.
        const handled =
          ts.isCallExpression(e) &&
          ts.isPropertyAccessExpression(e.expression) &&
          ["then", "catch", "finally"].includes(e.expression.name.text);
        if (
          (ts.isCallExpression(e) || ts.isNewExpression(e)) &&
          !handled &&
          isPromise(checker.getTypeAtLocation(e))
        ) {
          const { line } = sf.getLineAndCharacterOfPosition(n.getStart(sf));
          if (!allowed(sf, n))
            found.push(
              `${rel}:${line + 1}: ${n
                .getText(sf)
                .split("\n")[0]
                .slice(0, 120)}`
            );
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return found.filter((f) => f);
}

if (
  process.argv[1] &&
  path.resolve(process.argv[1]) === path.resolve(import.meta.filename)
) {
  const dirs = process.argv.slice(2).length
    ? process.argv.slice(2)
    : [
        "app",
        "media-server",
        "scripts",
        "db",
        "live-protocol",
        "tests",
        "bench",
      ];
  const found = findFloatingPromises(dirs);
  for (const f of found) console.log(f);
  console.log(`${found.length} floating promise(s)`);
  process.exit(found.length ? 1 : 0);
}
