#!/usr/bin/env node
// The `memory-ops` operator CLI. Runs the compiled CLI when `npm run build` has produced it, else the
// TypeScript sources through tsx (a devDependency). MEMORY_OPS_FROM_SOURCE=1 forces the sources, so a stale
// dist/ can never answer for code being edited.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const built = join(root, 'dist', 'cli', 'main.js');

if (existsSync(built) && process.env.MEMORY_OPS_FROM_SOURCE !== '1') {
  void require(built).main();
} else {
  require('tsx/cjs');
  void require(join(root, 'src', 'cli', 'main.ts')).main();
}
