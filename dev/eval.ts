/**
 * `npm run eval -- <file> [options]`: `memory-ops eval` from this checkout, with the Temporal binaries that
 * scripts/setup-tools.sh installed into `.tools/` (the package itself never looks into a checkout).
 * docs/evaluation.md says what it measures and how to reproduce the published setting.
 *
 * @example
 * // npm run eval -- test/fixtures/eval/locomo-mini.json --fake
 * // ANTHROPIC_API_KEY=... npm run eval -- ~/data/locomo10.json --concurrency 2 --out locomo-report.json
 */
import { main } from '../src/cli/main';
import { useProjectTools } from './project-paths';

useProjectTools();
void main(['eval', ...process.argv.slice(2)]);
