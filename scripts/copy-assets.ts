/**
 * Copies what `tsc` does not emit into dist/: the web console's static page (src/console/public), which
 * `memory-ops console` serves from beside its compiled server, and the DynamoDB Local launcher
 * (src/testing/java), which `/testing` runs with Java's source-file mode.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
cpSync(join(root, 'src', 'console', 'public'), join(root, 'dist', 'console', 'public'), { recursive: true });
cpSync(join(root, 'src', 'testing', 'java'), join(root, 'dist', 'testing', 'java'), { recursive: true });
console.log('copied src/console/public → dist/console/public, src/testing/java → dist/testing/java');
