#!/usr/bin/env node
// The `memory-worker` command: the Temporal worker (thread workflows and extraction activities), configured
// from the environment (see docs/configuration.md). Runs the compiled entry; the container's CMD runs the same
// file directly (`node dist/worker/main.js`).
'use strict';
require('../dist/worker/main.js');
