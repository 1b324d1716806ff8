/** Errors only the CLI raises: what it looked up is not there, or the command line asks for something refused. */
import { MemoryManagerError } from '../errors';

/** The thread, memory or dead letter named on the command line does not exist (exit code 3): the package's one `NotFoundError`. */
export { NotFoundError } from '../errors';

/** A command line that parses but is refused as asked, e.g. `forget` without `--yes` (exit code 2). */
export class UsageError extends MemoryManagerError {
  override readonly name = 'UsageError';
  readonly retryable = false;
}
