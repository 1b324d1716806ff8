/** How a long-running console process (the operator console, the dev all-in-one) waits for Ctrl-C. */
import { CONSOLE_FORCE_EXIT_AFTER_MS } from '../defaults';

/**
 * Resolves on the first Ctrl-C (SIGINT) or SIGTERM. A terminal's Ctrl-C can reach the process twice
 * (directly, and relayed by a launcher such as tsx or npm), so a repeat within CONSOLE_FORCE_EXIT_AFTER_MS is
 * ignored; a later one exits at once (the operator insists).
 */
export function untilStopRequested(onFirst: () => void = () => console.log('stopping…')): Promise<void> {
  return new Promise((resolve) => {
    let firstAt: number | undefined;
    const onSignal = () => {
      if (firstAt === undefined) {
        firstAt = Date.now();
        onFirst();
        resolve();
      } else if (Date.now() - firstAt > CONSOLE_FORCE_EXIT_AFTER_MS) {
        process.exit(130);
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
