/** Small helpers for the local servers this project spawns: keep their output's start and end, stop them cleanly. */
import type { ChildProcess } from 'node:child_process';
import { LOCAL_SERVER_STOP_GRACE_MS } from '../defaults';

/** How much of a child's output {@link captureOutput} keeps. */
export interface CapturedOutputSize {
  /** The first characters, where a crash's cause is (a Go panic prints its reason first, then pages of stack). @default 1500 */
  headChars?: number;
  /** The last characters. @default 4000 */
  tailChars?: number;
}

/**
 * Keeps the start and the end of what a child writes, for error messages when it fails to start: the
 * reason a server gave up is often only in its first lines (a port another process took, told by the panic
 * that opens a long stack trace), and callers such as `startOnFreePort` read that reason to decide a retry.
 */
export function captureOutput(child: ChildProcess, { headChars = 1500, tailChars = 4000 }: CapturedOutputSize = {}): () => string {
  let head = '';
  let tail = '';
  let total = 0;
  const append = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    total += text.length;
    if (head.length < headChars) head += text.slice(0, headChars - head.length);
    tail = (tail + text).slice(-tailChars);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => {
    const omitted = total - head.length - tail.length;
    if (omitted <= 0) return head + tail.slice(Math.max(0, head.length + tail.length - total));
    return `${head}\n[… ${omitted} characters left out …]\n${tail}`;
  };
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
