/**
 * The worker image's Dockerfile and .dockerignore, read (no Docker daemon here; the container's command itself
 * runs in test/workflow/worker-container.test.ts): Temporal's guidance for worker images.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../dev/project-paths';
import { dockerEnv, readDockerfile } from '../support/worker-process';

const { instructions, stages } = readDockerfile();
const runtime = stages.at(-1) ?? [];
const build = stages[0] ?? [];
const all = (stage: typeof runtime, keyword: string) => stage.filter((i) => i.keyword === keyword).map((i) => i.args);
const packageJson = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { scripts: Record<string, string> };

test('multi-stage on node:22-bookworm-slim (glibc), never Alpine', () => {
  expect(stages.length).toBeGreaterThanOrEqual(2);
  for (const stage of stages) expect(stage[0]?.args).toMatch(/^node:22-bookworm-slim@sha256:[0-9a-f]{64}( AS \w+)?$/i);
  for (const { args } of instructions) expect(args.toLowerCase()).not.toMatch(/alpine|musl/);
});

test('the base is pinned by digest, the same one in every stage, and the Dockerfile says how to bump it', () => {
  const bases = stages.map((stage) => (stage[0]?.args ?? '').split(/\s+/)[0] ?? '');
  // A tag alone moves with every Node 22 and Debian release: the digest (lower-case hex, 64 digits) fixes the bytes.
  for (const base of bases) expect(base).toMatch(/^node:22-bookworm-slim@sha256:[0-9a-f]{64}$/);
  // One base for build and runtime: bumping one stage and not the other would build and run on different Nodes.
  expect(new Set(bases).size).toBe(1);
  const text = readFileSync(join(projectRoot(), 'Dockerfile'), 'utf8');
  expect(text).toContain('docker buildx imagetools inspect node:22-bookworm-slim');
});

test('build stage: npm ci, npm run build and the workflow bundle', () => {
  const runs = all(build, 'RUN').join('\n');
  expect(runs).toMatch(/npm ci\b/);
  expect(runs).toContain('npm run build');
  expect(runs).toContain('npm run build:workflow-bundle');
  expect(packageJson.scripts['build']).toContain('tsc -p tsconfig.build.json');
  // What the build stage copies is what the build needs.
  for (const path of all(build, 'COPY').flatMap((args) => args.split(/\s+/).slice(0, -1))) expect(existsSync(join(projectRoot(), path))).toBe(true);
});

test('runtime stage: CA certificates, production dependencies without install scripts, the native bridge checked', () => {
  const runs = all(runtime, 'RUN').join('\n');
  expect(runs).toMatch(/apt-get install[^\n]*ca-certificates/);
  expect(runs).toMatch(/npm ci[^\n]*--omit=dev/);
  // The prepare script (scripts/setup-tools.sh, dev tools) must not run in the image: scripts off, and told to skip anyway.
  expect(packageJson.scripts['prepare']).toContain('setup-tools.sh');
  expect(runs).toMatch(/npm ci[^\n]*--ignore-scripts/);
  expect(dockerEnv(runtime)['SKIP_TEMPORAL_TOOLS']).toBe('1');
  expect(runs).toContain("require('@temporalio/core-bridge')");
  expect(all(runtime, 'COPY')).toContainEqual(expect.stringMatching(/^--from=build \/app\/dist \.\/dist$/));
});

test('non-root, exec-form CMD of the built entry point, SIGTERM, ports, the pre-built bundle', () => {
  const users = all(runtime, 'USER');
  expect(users.length).toBeGreaterThan(0);
  expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
  const cmd = all(runtime, 'CMD');
  expect(cmd).toHaveLength(1);
  expect(JSON.parse(cmd[0] ?? '') as string[]).toEqual(['node', 'dist/worker/main.js']);
  expect(existsSync(join(projectRoot(), 'src', 'worker', 'main.ts'))).toBe(true);
  expect(all(runtime, 'ENTRYPOINT')).toEqual([]);
  expect(all(runtime, 'STOPSIGNAL')).toEqual(['SIGTERM']);
  expect(all(runtime, 'EXPOSE').join(' ').split(/\s+/).sort()).toEqual(['8080', '9464']);
  expect(dockerEnv(runtime)).toMatchObject({ WORKFLOW_BUNDLE_PATH: '/app/dist/workflow-bundle.js', HEALTH_PORT: '8080', METRICS_PORT: '9464' });
  expect(all(runtime, 'WORKDIR')).toEqual(['/app']);
  const healthcheck = all(runtime, 'HEALTHCHECK')[0] ?? '';
  expect(JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) as string[]).toEqual(['node', 'dist/worker/health-check.js']);
  expect(existsSync(join(projectRoot(), 'src', 'worker', 'health-check.ts'))).toBe(true);
  // Every instruction is one Docker knows (a typo would fail the build we cannot run here).
  const known = new Set(['FROM', 'WORKDIR', 'ENV', 'COPY', 'RUN', 'USER', 'EXPOSE', 'STOPSIGNAL', 'HEALTHCHECK', 'CMD', 'ARG', 'LABEL']);
  for (const { keyword } of instructions) expect(known).toContain(keyword);
});

test('.dockerignore keeps local state and build output out of the context', () => {
  const ignored = readFileSync(join(projectRoot(), '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  for (const entry of ['node_modules', '.tools', '.data', 'dist', 'coverage', 'cdk.out', 'infra/cdk.out', '.git']) expect(ignored).toContain(entry);
});
