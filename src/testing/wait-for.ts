/** Waiting for a local server to come up. */
import { LOCAL_SERVER_POLL_INTERVAL_MS } from '../defaults';

/** Polls `probe` until it resolves, the deadline passes, or `failed()` reports the server died. */
export async function waitFor(what: string, probe: () => Promise<unknown>, options: { timeoutMs: number; failed?: () => string | undefined }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const failure = options.failed?.();
    if (failure) throw new Error(`${what} exited before it was ready: ${failure}`);
    try {
      await probe();
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, LOCAL_SERVER_POLL_INTERVAL_MS));
    }
  }
  throw new Error(`${what} was not ready after ${options.timeoutMs} ms: ${String(lastError)}`);
}
