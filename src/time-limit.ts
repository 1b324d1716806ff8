/** One way to bound a wait on a dependency: the handlers, the console and `doctor` all use it. */
import { DependencyUnavailableError } from './errors';

/**
 * Runs `work`, giving up with `DependencyUnavailableError` after `ms`; `work` gets a signal that aborts then,
 * for calls that can stop early (AWS SDK `abortSignal`, `fetch`).
 */
export async function withTimeLimit<T>(ms: number, work: (signal: AbortSignal) => Promise<T>, what = 'no answer'): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new DependencyUnavailableError(`${what} within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
