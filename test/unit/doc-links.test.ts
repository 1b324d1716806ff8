/**
 * Every link a reader can follow resolves: relative links in the Markdown files (README.md, docs/, bench/,
 * infra/, examples/) point at files that exist, `#anchors` match a heading of the target (GitHub's slug), and
 * the doc references in code comments and messages point at a heading that exists. The form a code comment
 * uses is `<file> "<heading>"`, where <file> is `README`, `README.md`, `docs/<name>.md` or `<folder>/README.md`
 * (e.g. docs/design.md "Tenancy"); a bare mention of a Markdown file must name one that exists.
 *
 * Moving a section breaks links silently in review; this test names each broken one with its file and line.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.tools', '.data', 'dist', 'cdk.out', 'coverage']);
const CODE_DIRS = ['src', 'dev', 'examples', 'test', 'scripts', 'bench', 'bin', 'infra', '.ci'];
const CODE_FILE = /\.(ts|tsx|js|mjs|cjs|sh)$|^(run|Dockerfile)$/;
const ROOT_CODE_FILES = ['Dockerfile', 'jest.config.js', 'eslint.config.mjs', 'package.json'];

/** GitHub's heading anchor (github-slugger): rendered text, lower case, punctuation dropped, each space a hyphen. */
function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link renders as its text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

interface Line {
  text: string;
  number: number;
}

/** Lines outside fenced code blocks, with inline code spans blanked (a link in code is not a link). */
function proseLines(markdown: string): Line[] {
  const lines: Line[] = [];
  let fence: string | null = null;
  markdown.split('\n').forEach((text, index) => {
    const marker = /^\s*(```+|~~~+)/.exec(text)?.[1];
    if (marker) {
      if (fence === null) fence = marker[0] ?? null;
      else if (marker.startsWith(fence)) fence = null;
      return;
    }
    if (fence === null) lines.push({ text: text.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length)), number: index + 1 });
  });
  return lines;
}

/** The anchors of a Markdown file's headings, with GitHub's `-1`, `-2` suffixes for repeated headings. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | null = null;
  for (const text of markdown.split('\n')) {
    const marker = /^\s*(```+|~~~+)/.exec(text)?.[1];
    if (marker) {
      if (fence === null) fence = marker[0] ?? null;
      else if (marker.startsWith(fence)) fence = null;
      continue;
    }
    const heading = fence === null ? /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(text)?.[1] : undefined;
    if (heading === undefined) continue;
    const slug = githubSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

interface LinkProblem {
  where: string;
  link: string;
  problem: string;
}

/** The problem with a link to `target` (a repository-relative path, maybe `#anchor`), or undefined. */
function checkTarget(fromFile: string, path: string, anchor: string | undefined, read: (file: string) => string | undefined): string | undefined {
  const file = path === '' ? fromFile : relative(ROOT, resolve(ROOT, dirname(fromFile), path));
  const content = read(file);
  if (content === undefined) {
    if (anchor === undefined && isRepoDirectory(file)) return undefined; // GitHub lists a folder's files
    return `${file} does not exist`;
  }
  if (anchor === undefined || anchor === '') return undefined;
  if (!file.endsWith('.md')) return `#${anchor} points into ${file}, which is not Markdown`;
  if (!headingAnchors(content).has(decodeURIComponent(anchor))) return `${file} has no heading with anchor #${anchor}`;
  return undefined;
}

/** Broken relative links and anchors in one Markdown file (`file` is repository-relative). */
function markdownLinkProblems(file: string, markdown: string, read: (file: string) => string | undefined): LinkProblem[] {
  const problems: LinkProblem[] = [];
  for (const line of proseLines(markdown)) {
    for (const match of line.text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const link = match[1] as string;
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // http:, https:, mailto:
      const [path = '', anchor] = link.split('#', 2);
      const problem = checkTarget(file, decodeURI(path), anchor, read);
      if (problem) problems.push({ where: `${file}:${line.number}`, link, problem });
    }
  }
  return problems;
}

const DOC_FILE = String.raw`(?:docs/[\w.-]+\.md|(?:[\w.-]+/)*README(?:\.md)?|CHANGELOG\.md)`;
const HEADING_REFERENCE = new RegExp(String.raw`(?<![\w/.-])(${DOC_FILE})(?:'s)?\s+"([^"\n]+)"`, 'g');
const FILE_MENTION = new RegExp(String.raw`(?<![\w/.-])(docs/[\w.-]+\.md|(?:[\w.-]+/)*README\.md|CHANGELOG\.md)`, 'g');

/** Broken doc references in a code file's text: `<doc file> "<heading>"` and bare mentions of a Markdown file. */
function codeReferenceProblems(file: string, source: string, read: (file: string) => string | undefined): LinkProblem[] {
  const problems: LinkProblem[] = [];
  source.split('\n').forEach((text, index) => {
    const where = `${file}:${index + 1}`;
    for (const match of text.matchAll(HEADING_REFERENCE)) {
      const docFile = (match[1] as string).replace(/README$/, 'README.md');
      const heading = match[2] as string;
      const problem = checkTarget('', docFile, githubSlug(heading), read);
      if (problem) problems.push({ where, link: `${match[1]} "${heading}"`, problem });
    }
    for (const match of text.matchAll(FILE_MENTION)) {
      const problem = checkTarget('', match[1] as string, undefined, read);
      if (problem) problems.push({ where, link: match[1] as string, problem });
    }
  });
  return problems;
}

function walk(dir: string, keep: (name: string) => boolean, found: string[] = []): string[] {
  if (!existsSync(dir)) return found;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIPPED_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, keep, found);
    else if (keep(entry.name)) found.push(path);
  }
  return found;
}

function isRepoDirectory(file: string): boolean {
  const path = join(ROOT, file);
  return existsSync(path) && statSync(path).isDirectory();
}

function readRepoFile(file: string): string | undefined {
  const path = join(ROOT, file);
  return existsSync(path) && statSync(path).isFile() ? readFileSync(path, 'utf8') : undefined;
}

const describeProblems = (problems: LinkProblem[]): string[] => problems.map((p) => `${p.where}: ${p.link} → ${p.problem}`);

describe('githubSlug', () => {
  test.each([
    ['Deploy to AWS (`infra/`, CDK v2)', 'deploy-to-aws-infra-cdk-v2'],
    ["Extraction: memory managers, LangMem's options", 'extraction-memory-managers-langmems-options'],
    ['Operator CLI (`memory-ops`)', 'operator-cli-memory-ops'],
    ['Serverless: Lambda handlers, worker container, AWS', 'serverless-lambda-handlers-worker-container-aws'],
    ['Using it from the package', 'using-it-from-the-package'],
    ['[Unreleased]', 'unreleased'],
    ['snake_case and a — dash', 'snake_case-and-a--dash'],
  ])('%s → %s', (heading, slug) => {
    expect(githubSlug(heading)).toBe(slug);
  });

  test('a repeated heading gets -1, and headings inside code fences are not headings', () => {
    const anchors = headingAnchors('# A\n\n## Notes\n\n```bash\n# not a heading\n```\n\n## Notes\n');
    expect([...anchors]).toEqual(['a', 'notes', 'notes-1']);
  });
});

describe('the checks catch what they exist for', () => {
  const files: Record<string, string> = { 'README.md': '# Title\n\n## Quickstart\n', 'docs/design.md': '# Design\n\n## Tenancy\n' };
  const read = (file: string): string | undefined => files[file];

  test('a missing file, a missing anchor and a missing heading in a code comment are reported; good ones are not', () => {
    const markdown = [
      'See [design](docs/design.md#tenancy), [start](#quickstart) and [site](https://example.com/x.md).',
      'Broken: [gone](docs/gone.md), [anchor](docs/design.md#migrating), [here](#nowhere).',
      '`[in code](docs/ignored.md)`',
      '```',
      '[in a fence](docs/ignored.md)',
      '```',
    ].join('\n');
    expect(describeProblems(markdownLinkProblems('README.md', markdown, read))).toEqual([
      'README.md:2: docs/gone.md → docs/gone.md does not exist',
      'README.md:2: docs/design.md#migrating → docs/design.md has no heading with anchor #migrating',
      'README.md:2: #nowhere → README.md has no heading with anchor #nowhere',
    ]);
    const source = [
      '// see docs/design.md "Tenancy" and README "Quickstart"',
      '// see README "Versioning", docs/design.md "Tenancy model"',
      '// docs/gone.md',
    ].join('\n');
    expect(describeProblems(codeReferenceProblems('src/x.ts', source, read))).toEqual([
      'src/x.ts:2: README "Versioning" → README.md has no heading with anchor #versioning',
      'src/x.ts:2: docs/design.md "Tenancy model" → docs/design.md has no heading with anchor #tenancy-model',
      'src/x.ts:3: docs/gone.md → docs/gone.md does not exist',
    ]);
  });

  test('a link from docs/ resolves relative to docs/', () => {
    expect(markdownLinkProblems('docs/design.md', 'Back to the [README](../README.md#quickstart); [self](design.md#tenancy).', read)).toEqual([]);
    expect(describeProblems(markdownLinkProblems('docs/design.md', '[wrong](docs/design.md)', read))).toEqual([
      'docs/design.md:1: docs/design.md → docs/docs/design.md does not exist',
    ]);
  });
});

describe('links in this repository', () => {
  const markdownFiles = walk(ROOT, (name) => name.endsWith('.md')).map((path) => relative(ROOT, path));
  const codeFiles = [
    ...CODE_DIRS.flatMap((dir) => walk(join(ROOT, dir), (name) => CODE_FILE.test(name))),
    ...ROOT_CODE_FILES.map((file) => join(ROOT, file)).filter((path) => existsSync(path)),
  ]
    .map((path) => relative(ROOT, path))
    .filter((file) => file !== relative(ROOT, __filename)); // this file's examples are broken on purpose

  test('the Markdown files and code files are found', () => {
    expect(markdownFiles).toEqual(expect.arrayContaining(['README.md', 'CHANGELOG.md', 'docs/design.md', 'docs/operations.md']));
    expect(codeFiles).toEqual(expect.arrayContaining(['src/errors.ts', 'jest.config.js', 'infra/memory-stack.ts']));
  });

  test('every relative link and #anchor in the Markdown files resolves', () => {
    const problems = markdownFiles.flatMap((file) => markdownLinkProblems(file, readRepoFile(file) as string, readRepoFile));
    expect(describeProblems(problems)).toEqual([]);
  });

  test('every doc reference in code names a file and heading that exist', () => {
    const problems = codeFiles.flatMap((file) => codeReferenceProblems(file, readRepoFile(file) as string, readRepoFile));
    expect(describeProblems(problems)).toEqual([]);
  });

  test('the README stays a page for newcomers (at most 300 lines)', () => {
    expect((readRepoFile('README.md') as string).trimEnd().split('\n').length).toBeLessThanOrEqual(300);
  });
});
