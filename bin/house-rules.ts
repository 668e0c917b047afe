/**
 * The house rules a tool can check (docs/architecture.md#layers): the import graph of the
 * repository's TypeScript has no cycle and no import that climbs a layer, and no function is
 * longer than a limit. Read by `bin/house-rules.test.ts`; `npx tsx bin/house-rules.ts` prints
 * the report.
 *
 * Layers, lowest first: contracts < models < edge-agent, ingest, analytics < api < bin < bench.
 * `api/web` is part of api. On the middle layer the tiers meet in contracts, with one exception:
 * ingest writes into the analytics store (ingest → analytics; never analytics → ingest, never
 * edge-agent ↔ either). Tests (`*.test.ts`) and test helpers (`testkit*.ts`, `*.contract.ts`)
 * may also import a sibling tier on their own layer (a no-loss test runs an edge publisher
 * against a real ingest), never a higher layer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Rank per top-level folder; equal ranks are siblings that must not import each other. */
export const LAYERS: Readonly<Record<string, number>> = {
  contracts: 0,
  models: 1,
  'edge-agent': 2,
  ingest: 2,
  analytics: 2,
  api: 3,
  bin: 4,
  bench: 5,
};

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'data', '.scratch', 'testdata']);

export function sourceFiles(root = ROOT): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(join(dir, e.name));
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
        out.push(relative(root, join(dir, e.name)));
      }
    }
  };
  for (const top of Object.keys(LAYERS)) walk(join(root, top));
  return out.sort();
}

/** Relative imports (static, dynamic `import()` and `export … from`) of one file, resolved. */
export function importsOf(file: string, root = ROOT): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const specs: string[] = [];
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      specs.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      specs.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return specs
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(root, resolve(root, dirname(file), s.replace(/\.js$/, '.ts'))));
}

export function layerOf(file: string): { top: string; rank: number } {
  const top = file.split('/')[0] ?? '';
  return { top, rank: LAYERS[top] ?? -1 };
}

export interface ImportFinding {
  from: string;
  to: string;
}

/** Sibling tiers a production file may import on its own layer. */
export const SIBLING_IMPORTS: Readonly<Record<string, readonly string[]>> = { ingest: ['analytics'] };

/** Test files and the helpers only tests import. */
export const isTestSide = (f: string): boolean =>
  f.endsWith('.test.ts') || /(^|\/|-)testkit\.ts$/.test(f) || f.endsWith('.contract.ts');

/** Imports that climb a layer or cross to a sibling tier the rules above do not allow. */
export function upwardImports(graph: ReadonlyMap<string, readonly string[]>): ImportFinding[] {
  const bad: ImportFinding[] = [];
  for (const [from, tos] of graph) {
    const a = layerOf(from);
    for (const to of tos) {
      const b = layerOf(to);
      const sibling = b.rank === a.rank && b.top !== a.top;
      const allowed = isTestSide(from) || (SIBLING_IMPORTS[a.top] ?? []).includes(b.top);
      if (b.rank > a.rank || (sibling && !allowed)) bad.push({ from, to });
    }
  }
  return bad;
}

/** Strongly connected components with more than one file (Tarjan), each sorted. */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) strong(v);
  return out;
}

/** Production files that import a test-only module (the test media: contracts/testdata.ts). */
export function testOnlyImports(graph: ReadonlyMap<string, readonly string[]>): ImportFinding[] {
  const bad: ImportFinding[] = [];
  for (const [from, tos] of graph) {
    if (isTestSide(from) || layerOf(from).top === 'bench') continue;
    for (const to of tos) if (to === 'contracts/testdata.ts') bad.push({ from, to });
  }
  return bad;
}

export function importGraph(root = ROOT): Map<string, string[]> {
  return new Map(sourceFiles(root).map((f) => [f, importsOf(f, root)]));
}

export interface FunctionSize {
  file: string;
  line: number;
  name: string;
  lines: number;
}

/** Every function-like node with its length in lines, longest first. */
export function functionSizes(files: readonly string[], root = ROOT): FunctionSize[] {
  const out: FunctionSize[] = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    const src = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const visit = (node: ts.Node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const start = src.getLineAndCharacterOfPosition(node.getStart(src)).line;
        const end = src.getLineAndCharacterOfPosition(node.getEnd()).line;
        out.push({ file, line: start + 1, name: nameOf(node), lines: end - start + 1 });
      }
      ts.forEachChild(node, visit);
    };
    visit(src);
  }
  return out.sort((a, b) => b.lines - a.lines);
}

function nameOf(node: ts.Node): string {
  const named = node as { name?: ts.Node };
  if (named.name && ts.isIdentifier(named.name)) return named.name.text;
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return '(anonymous)';
}

export interface CitationFinding {
  file: string;
  line: number;
  text: string;
}

/**
 * Comments must cite documents in the repository: not the old shared design (`DESIGN §n`) or
 * issue numbers, and a link to a section of docs/architecture.md must name one that exists.
 */
export function badCitations(files: readonly string[], root = ROOT): CitationFinding[] {
  const arch = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
  const anchors = new Set(
    [...arch.matchAll(/^#{2,3} (.+)$/gm)].map((m) =>
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-'),
    ),
  );
  const out: CitationFinding[] = [];
  for (const file of files) {
    readFileSync(join(root, file), 'utf8')
      .split('\n')
      .forEach((text, i) => {
        const bad =
          /DESIGN §\d|\b[Ii]ssues? \d+\b/.test(text) ||
          [...text.matchAll(/docs\/architecture\.md#([a-z0-9-]+)/g)].some((m) => !anchors.has(m[1]!));
        if (bad) out.push({ file, line: i + 1, text: text.trim().slice(0, 160) });
      });
  }
  return out;
}

/**
 * Test files (`*.test.ts`) and contract suites (`*.contract.ts`, run by the tests of each
 * adapter) describe behaviour in long `describe` blocks; they are not held to it.
 */
export const isTestFile = (f: string): boolean => f.endsWith('.test.ts') || f.endsWith('.contract.ts');

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const graph = importGraph();
  const up = upwardImports(graph);
  const cyc = cycles(graph);
  const testOnly = testOnlyImports(graph);
  const citations = badCitations([...sourceFiles(), 'docs/architecture.md']);
  const sizes = functionSizes(sourceFiles().filter((f) => !isTestFile(f)));
  process.stdout.write(
    `${JSON.stringify({ files: graph.size, upward: up, cycles: cyc, testOnly, citations, largestFunctions: sizes.slice(0, 10) }, null, 2)}\n`,
  );
}
