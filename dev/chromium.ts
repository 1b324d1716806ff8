/**
 * Launches a locally installed Chromium through playwright-core (a dev dependency) for the console's
 * browser tests and screenshots. Playwright's own browser download is never used: the browser is
 * CHROMIUM_PATH, else Debian's /usr/bin/chromium. The flags keep it from reaching for the network
 * (component updates, sync, QUIC), which a closed network answers with refused connections.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { ConfigurationError } from '../src/errors';

/** Where Chromium is looked for when CHROMIUM_PATH is unset. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts headless Chromium (Playwright gives it a fresh temporary profile). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env['CHROMIUM_PATH'] ?? DEFAULT_CHROMIUM_PATH;
  if (!existsSync(executablePath)) {
    throw new ConfigurationError(
      `CHROMIUM_PATH: no browser at ${executablePath} (install chromium, e.g. apt-get install chromium, or point CHROMIUM_PATH at one)`,
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazily: only the browser tests need it
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}
