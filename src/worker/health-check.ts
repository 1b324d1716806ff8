/**
 * The container health check command (`node dist/worker/health-check.js`, no curl in the slim image): exits 0
 * when the worker in this container answers 200 on `/healthz`, 1 otherwise.
 */
import { HEALTH_CHECK_TIMEOUT_MS } from '../defaults';
import { loadWorkerConfig } from './worker-config';

async function check(): Promise<number> {
  const { healthPort, bindHost } = loadWorkerConfig();
  if (healthPort === 0) {
    console.error('HEALTH_PORT is 0: the health server is off');
    return 1;
  }
  // A server on every interface answers on loopback; one bound to a single address only there.
  const host = bindHost === '0.0.0.0' ? '127.0.0.1' : bindHost === '::' ? '[::1]' : bindHost.includes(':') ? `[${bindHost}]` : bindHost;
  const response = await fetch(`http://${host}:${healthPort}/healthz`, { signal: AbortSignal.timeout(HEALTH_CHECK_TIMEOUT_MS) });
  console.log(`${response.status} ${await response.text()}`);
  return response.status === 200 ? 0 : 1;
}

check().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
