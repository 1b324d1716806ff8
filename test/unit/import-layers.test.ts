/**
 * The layering of src/ (docs/architecture.md), checked on the import graph as TypeScript reads it — type-only
 * imports included, which ESLint's import-x/no-cycle skips: a type cycle between two modules still means
 * neither can be understood or moved without the other.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const SRC = resolve(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'public' ? [] : sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** The src/ file a relative specifier names, or null for packages and Node builtins. */
function resolveImport(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  throw new Error(`${relative(SRC, from)}: cannot resolve ${specifier}`);
}

/** Every module's imports within src/ (values, types and re-exports alike), by path relative to src/. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles.flatMap(({ fileName }) => {
      const target = resolveImport(file, fileName);
      return target ? [relative(SRC, target)] : [];
    });
    graph.set(relative(SRC, file), [...new Set(targets)]);
  }
  return graph;
}

/** The cycles of the graph, each as the path that closes it (Tarjan's strongly connected components). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) as number);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** Imports from files under `layer` into files under any of `forbidden`, as "from → to". */
function crossings(graph: Map<string, string[]>, layer: string, forbidden: readonly string[]): string[] {
  return [...graph].flatMap(([from, targets]) =>
    from.startsWith(`${layer}/`) ? targets.filter((to) => forbidden.some((dir) => to.startsWith(`${dir}/`))).map((to) => `${from} → ${to}`) : [],
  );
}

const graph = importGraph();

test('the graph is read: it knows the store, the client and the operator modules', () => {
  expect(graph.get('client/memory-client.ts')).toEqual(expect.arrayContaining(['store/tenancy.ts', 'contract.ts']));
  expect(graph.get('operator/memory-operator.ts')).toEqual(expect.arrayContaining(['client/memory-client.ts']));
  // Type-only imports count (this one is `import type`).
  expect(graph.get('operator/operator-types.ts')).toEqual(expect.arrayContaining(['store/batch-log.ts']));
});

test('src/ has no import cycle, type-only imports included', () => {
  expect(cycles(graph)).toEqual([]);
});

test('the store imports nothing from the layers above it', () => {
  const above = ['client', 'operator', 'model', 'managers', 'activities', 'handlers', 'worker', 'workflows', 'cli', 'console', 'langgraph'];
  expect(crossings(graph, 'store', above)).toEqual([]);
});

test('the caller API imports nothing from the operator tools or the edges built on it', () => {
  expect(crossings(graph, 'client', ['operator', 'cli', 'console', 'handlers', 'worker'])).toEqual([]);
});

test('the check would see a cycle and a crossing', () => {
  const bad = new Map([
    ['store/a.ts', ['client/b.ts']],
    ['client/b.ts', ['store/a.ts']],
  ]);
  expect(cycles(bad)).toEqual([['client/b.ts', 'store/a.ts']]);
  expect(crossings(bad, 'store', ['client'])).toEqual(['store/a.ts → client/b.ts']);
});
