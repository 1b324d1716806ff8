// ESLint flat config: typescript-eslint with type information (for no-floating-promises), plus the rule
// that keeps workflow code pure: no Node builtins, no I/O clients, no activity implementations.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'crypto', 'child_process', 'http', 'https', 'net', 'dns', 'worker_threads', 'process', 'timers', 'stream', 'util', 'events', 'url', 'zlib'];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.tools/', '.data/', 'coverage/', 'infra/cdk.out/', 'jest.config.js', 'test/support/summary-reporter.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  // The console's page scripts: plain browser JS with no build step, outside the TypeScript project.
  { ...tseslint.configs.disableTypeChecked, files: ['src/console/public/**/*.js'] },
  {
    files: ['src/console/public/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'fetch', 'URLSearchParams', 'Node', 'setTimeout', 'clearTimeout'].map((name) => [name, 'readonly']),
      ),
    },
    rules: { 'no-undef': 'error' },
  },
  // The CLI launcher (bin/memory-ops.js): a CommonJS Node script outside the TypeScript project.
  { ...tseslint.configs.disableTypeChecked, files: ['bin/*.js'] },
  { files: ['bin/*.js'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.flatMap((name) => [
            { name, message: 'Workflow code must be deterministic: no Node builtins.' },
            { name: `node:${name}`, message: 'Workflow code must be deterministic: no Node builtins.' },
          ]),
          patterns: [
            { group: ['@aws-sdk/*', '@anthropic-ai/*', '@temporalio/activity', '@temporalio/worker', '@temporalio/client'], message: 'Workflow code does no I/O: call an activity instead.' },
            { group: ['../activities', '../activities/*', '!../activities/activity-types'], message: 'Import activities as types only (activity-types).', allowTypeImports: true },
            { group: ['zod'], message: 'Validation happens at the edges; keep zod out of the workflow bundle.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'No process in workflow code.' }, { name: 'setTimeout', message: 'Use sleep() or condition() timers.' }],
    },
  },
);
