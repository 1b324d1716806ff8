/**
 * What the thread workflow's replay depends on stays in `src/workflows/replay-constants.ts`: the workflow
 * files import no constant from anywhere else, and the functions they call outside the folder (the shared
 * rules of `rules.ts`) read no constant from anywhere else either. Types, `@temporalio/*` APIs and the
 * contract's signal/query/update definitions are fine. Parsed from the sources with the TypeScript
 * compiler; a second test runs the same check on a deliberately wrong tree, so this one cannot pass vacuously.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import * as replayConstants from '../../src/workflows/replay-constants';

const SRC = join(__dirname, '..', '..', 'src');

/** The imports of a file that bring values (not types): local name → module specifier and imported name. */
function valueImports(file: ts.SourceFile): Map<string, { spec: string; imported: string }> {
  const imports = new Map<string, { spec: string; imported: string }>();
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const clause = statement.importClause;
    if (!clause || clause.isTypeOnly) continue;
    const spec = statement.moduleSpecifier.text;
    if (clause.name) imports.set(clause.name.text, { spec, imported: 'default' });
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) imports.set(bindings.name.text, { spec, imported: '*' });
    if (bindings && ts.isNamedImports(bindings)) {
      for (const element of bindings.elements) {
        if (!element.isTypeOnly) imports.set(element.name.text, { spec, imported: (element.propertyName ?? element.name).text });
      }
    }
  }
  return imports;
}

/** A value literal written in place (numbers, strings, arrays and objects of them, arithmetic): a constant. */
function isLiteralValue(node: ts.Expression): boolean {
  if (ts.isNumericLiteral(node) || ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return true;
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) return isLiteralValue(node.expression);
  if (ts.isPrefixUnaryExpression(node)) return isLiteralValue(node.operand);
  if (ts.isBinaryExpression(node)) return isLiteralValue(node.left) && isLiteralValue(node.right);
  if (ts.isArrayLiteralExpression(node)) return node.elements.every((e) => isLiteralValue(e));
  if (ts.isObjectLiteralExpression(node)) return node.properties.every((p) => ts.isPropertyAssignment(p) && isLiteralValue(p.initializer));
  return false;
}

const DEFINITIONS = new Set(['defineSignal', 'defineQuery', 'defineUpdate']);

/**
 * Every place the workflow files (`<src>/workflows/*.ts`) take a constant from outside `replay-constants.ts`,
 * as "file: NAME from module" lines; empty when they keep the rule.
 */
function replayConstantLeaks(src: string): string[] {
  const workflows = join(src, 'workflows');
  const replayConstantsFile = join(workflows, 'replay-constants.ts');
  const parsed = new Map<string, ts.SourceFile>();
  const parse = (path: string) => {
    let file = parsed.get(path);
    if (!file) parsed.set(path, (file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true)));
    return file;
  };
  const resolve = (from: string, spec: string) => {
    const base = join(dirname(from), spec);
    for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
      try {
        readFileSync(candidate);
        return candidate;
      } catch {
        // try the next candidate
      }
    }
    throw new Error(`cannot resolve ${spec} from ${from}`);
  };
  const leaks: string[] = [];
  const seen = new Set<string>();

  /** Checks one value `name` taken from `path` (outside the workflows folder) and what it reads in turn. */
  const checkValue = (path: string, name: string, via: string) => {
    if (path === replayConstantsFile || dirname(path) === workflows) return;
    const key = `${path}#${name}`;
    if (seen.has(key)) return;
    seen.add(key);
    const file = parse(path);
    const where = `${via} ${name} from ${relative(src, path)}`;
    const declaration = topLevelDeclaration(file, name);
    if (!declaration) return void leaks.push(`${where} (not a top-level declaration the check can follow)`);
    if (ts.isVariableDeclaration(declaration)) {
      const init = declaration.initializer;
      const isDefinition = init && ts.isCallExpression(init) && ts.isIdentifier(init.expression) && DEFINITIONS.has(init.expression.text);
      if (isDefinition) return;
      if (!init || !(ts.isArrowFunction(init) || ts.isFunctionExpression(init))) return void leaks.push(where);
    }
    // A function (or class): whatever it reads from its module or imports must keep the rule too.
    const imports = valueImports(file);
    const visit = (node: ts.Node) => {
      if (ts.isIdentifier(node)) {
        const imported = imports.get(node.text);
        if (imported?.spec.startsWith('.')) checkValue(resolve(path, imported.spec), imported.imported, `${where} →`);
        else if (!imported && node.text !== name && topLevelDeclaration(file, node.text)) checkValue(path, node.text, `${where} →`);
      }
      ts.forEachChild(node, visit);
    };
    ts.forEachChild(declaration, visit);
  };

  for (const entry of readdirSync(workflows)
    .filter((f) => f.endsWith('.ts'))
    .sort()) {
    const path = join(workflows, entry);
    if (path === replayConstantsFile) continue;
    const file = parse(path);
    for (const [local, { spec, imported }] of valueImports(file)) {
      if (!spec.startsWith('.')) continue; // packages: @temporalio/workflow's APIs
      const target = resolve(path, spec);
      if (imported === '*' && target !== replayConstantsFile) leaks.push(`workflows/${entry}: * as ${local} from ${relative(src, target)}`);
      else checkValue(target, imported, `workflows/${entry}:`);
    }
    for (const statement of file.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      for (const declaration of statement.declarationList.declarations) {
        if (declaration.initializer && isLiteralValue(declaration.initializer)) {
          leaks.push(`workflows/${entry}: ${declaration.name.getText(file)} is a constant defined in place (move it to replay-constants.ts)`);
        }
      }
    }
  }
  return leaks;
}

/** The top-level declaration of `name` in a file (function, class or variable), if any. */
function topLevelDeclaration(file: ts.SourceFile, name: string): ts.Node | undefined {
  for (const statement of file.statements) {
    if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name?.text === name) return statement;
    if (ts.isVariableStatement(statement)) {
      const found = statement.declarationList.declarations.find((d) => ts.isIdentifier(d.name) && d.name.text === name);
      if (found) return found;
    }
  }
  return undefined;
}

test('the workflow files, and the rules they call, take every constant from replay-constants.ts', () => {
  expect(replayConstantLeaks(SRC)).toEqual([]);
});

test('the check finds a constant imported from elsewhere, one read by a shared rule, a non-definition from the contract, and one defined in place', () => {
  const root = mkdtempSync(join(tmpdir(), 'replay-constants-'));
  try {
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    write('defaults.ts', 'export const TIMEOUT_MS = 1000;\nexport const LIMIT = 5;\n');
    write('rules.ts', "import { LIMIT } from './defaults';\nexport function limitProblem(v: number) { return v > LIMIT ? 'too big' : null; }\n");
    write('contract.ts', "import { defineSignal } from '@temporalio/workflow';\nexport const TYPE = 'x';\nexport const sig = defineSignal('sig');\n");
    write('workflows/replay-constants.ts', 'export const OK_MS = 1;\n');
    write(
      'workflows/bad-workflow.ts',
      [
        "import { TIMEOUT_MS } from '../defaults';",
        "import { limitProblem } from '../rules';",
        "import { sig, TYPE } from '../contract';",
        "import { OK_MS } from './replay-constants';",
        'const RETRIES = 3 * 2;',
        'export const used = [TIMEOUT_MS, limitProblem, sig, TYPE, OK_MS, RETRIES];',
      ].join('\n'),
    );
    expect(replayConstantLeaks(root).sort()).toEqual(
      [
        'workflows/bad-workflow.ts: TIMEOUT_MS from defaults.ts',
        'workflows/bad-workflow.ts: limitProblem from rules.ts → LIMIT from defaults.ts',
        'workflows/bad-workflow.ts: TYPE from contract.ts',
        'workflows/bad-workflow.ts: RETRIES is a constant defined in place (move it to replay-constants.ts)',
      ].sort(),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('every replay constant says it needs patched() to change', () => {
  const text = readFileSync(join(SRC, 'workflows', 'replay-constants.ts'), 'utf8');
  const file = ts.createSourceFile('replay-constants.ts', text, ts.ScriptTarget.ES2022, true);
  const undocumented = Object.keys(replayConstants).filter((name) => {
    const declaration = topLevelDeclaration(file, name);
    const statement = declaration?.parent.parent;
    const doc = statement ? text.slice(statement.getFullStart(), statement.getStart()) : '';
    return !doc.includes('Needs `patched()` to change');
  });
  expect(Object.keys(replayConstants).length).toBeGreaterThan(10);
  expect(undocumented).toEqual([]);
});
