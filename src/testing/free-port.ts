/** Asks the OS for a free TCP port on loopback. */
import { createServer } from 'node:net';
import { LOCAL_SERVER_PORT_ATTEMPTS } from '../defaults';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a server's start failed because its port was taken between `freePort` and its bind. */
export function portWasTaken(err: unknown): boolean {
  return err instanceof Error && /Failed to bind|address already in use|EADDRINUSE/i.test(err.message);
}

/**
 * Starts a server on a port from `freePort`, and again on a new port when another process took that one
 * first (a free port is only free when asked; parallel tests start many servers). With `port` given (a
 * server restarted where its clients expect it) the retries keep that port: the Temporal dev server also
 * binds internal ports of its own choosing, and a race lost on one of those is worth another try too.
 */
export async function startOnFreePort<T>(
  start: (port: number) => Promise<T>,
  { attempts = LOCAL_SERVER_PORT_ATTEMPTS, port, retryable = portWasTaken }: StartRetryOptions = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(port ?? (await freePort()));
    } catch (err) {
      if (attempt >= attempts || !retryable(err)) throw err;
    }
  }
}

/** Options of {@link startOnFreePort}. */
export interface StartRetryOptions {
  /** @default LOCAL_SERVER_PORT_ATTEMPTS */
  attempts?: number;
  /** The port to start on every time; a fresh free port each attempt when unset. */
  port?: number;
  /** Which failed starts are tried again. @default portWasTaken */
  retryable?: (err: unknown) => boolean;
}
