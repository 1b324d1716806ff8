/** A one-line progress bar on a terminal (stderr); nothing at all when the stream is not a TTY (CI, pipes, tests). */

/** Width of the bar in characters. */
const BAR_WIDTH = 30;

/** An `onProgress` that redraws the bar, and `done()` to end its line; undefined when `stream` is not a terminal. */
export function terminalProgressBar(
  stream: NodeJS.WriteStream,
  label: string,
): { update: (done: number, total: number) => void; done: () => void } | undefined {
  if (!stream.isTTY) return undefined;
  let drawn = false;
  return {
    update(done, total) {
      const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
      stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${done}/${total} judged`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}
