// ESLint flat config: typescript-eslint with type information (for no-floating-promises), the rule that
// keeps workflow code pure (no Node builtins, no I/O clients, no activity implementations), and the layering
// of src/: no import cycles, and the store imports nothing from the layers above it (docs/architecture.md).
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'fs',
  'path',
  'os',
  'crypto',
  'child_process',
  'http',
  'https',
  'net',
  'dns',
  'worker_threads',
  'process',
  'timers',
  'stream',
  'util',
  'events',
  'url',
  'zlib',
];

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
  // Dependencies in src/ run one way. no-cycle follows value imports (`import type` is erased at build time;
  // test/unit/import-layers.test.ts also checks the type-level graph).
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // Without these, import-x reads only .js files when it follows imports, and no-cycle sees no edges.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'], tsconfig: { configFile: `${import.meta.dirname}/tsconfig.json` } })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: import.meta.dirname,
          zones: [
            {
              target: './src/store',
              from: [
                './src/client',
                './src/operator',
                './src/model',
                './src/managers',
                './src/activities',
                './src/handlers',
                './src/worker',
                './src/workflows',
                './src/cli',
                './src/console',
                './src/langgraph',
              ],
              message: 'The store is the bottom layer: it imports nothing from the layers that use it (move the shared piece down).',
            },
            {
              target: './src/client',
              from: ['./src/operator', './src/cli', './src/console', './src/handlers', './src/worker'],
              message: 'The caller API imports nothing from the operator tools or the edges built on it (operator may import client, not the reverse).',
            },
          ],
        },
      ],
    },
  },
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
            {
              group: ['@aws-sdk/*', '@anthropic-ai/*', '@temporalio/activity', '@temporalio/worker', '@temporalio/client'],
              message: 'Workflow code does no I/O: call an activity instead.',
            },
            {
              group: ['../activities', '../activities/*', '!../activities/activity-types'],
              message: 'Import activities as types only (activity-types).',
              allowTypeImports: true,
            },
            { group: ['zod'], message: 'Validation happens at the edges; keep zod out of the workflow bundle.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'No process in workflow code.' },
        { name: 'setTimeout', message: 'Use sleep() or condition() timers.' },
      ],
    },
  },
);
