/**
 * Tidies what async-db.ts leaves: `(await q);`, `const x = (await q);`, `return (await q);` lose
 * the parentheses the rewrite needed only where the await sits inside a larger expression.
 *
 *   npx tsx scripts/codemods/unwrap-await.ts FILE…
 */
import fs from "node:fs";
import ts from "typescript";

for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith("x") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const cuts: number[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isParenthesizedExpression(n) && ts.isAwaitExpression(n.expression)) {
      const p = n.parent;
      const alone =
        ts.isExpressionStatement(p) ||
        ts.isReturnStatement(p) ||
        (ts.isVariableDeclaration(p) && p.initializer === n) ||
        (ts.isArrowFunction(p) && p.body === n) ||
        (ts.isCallExpression(p) && p.arguments.includes(n)) ||
        ts.isArrayLiteralExpression(p) ||
        (ts.isPropertyAssignment(p) && p.initializer === n) ||
        (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken && p.right === n);
      if (alone) cuts.push(n.getStart(sf), n.getEnd() - 1);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  if (!cuts.length) continue;
  let out = text;
  for (const at of cuts.sort((a, b) => b - a)) out = out.slice(0, at) + out.slice(at + 1);
  fs.writeFileSync(file, out);
}
