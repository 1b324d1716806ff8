/** Small helpers for the local servers this project spawns: keep their output tail, stop them cleanly. */
import type { ChildProcess } from 'node:child_process';
import { LOCAL_SERVER_STOP_GRACE_MS } from '../defaults';

/** Keeps the last lines a child wrote, for error messages when it fails to start. */
export function captureTail(child: ChildProcess, maxChars = 4000): () => string {
  let tail = '';
  const append = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-maxChars);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => tail;
}

/** Describes how a child ended, or undefined while it runs. */
export function exitDescription(child: ChildProcess, tail: () => string): string | undefined {
  if (child.exitCode === null && child.signalCode === null) return undefined;
  return `exit ${child.exitCode ?? child.signalCode}; output: ${tail().trim() || '(none)'}`;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
export async function stopChild(child: ChildProcess, graceMs = LOCAL_SERVER_STOP_GRACE_MS): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
