/**
 * Headless Chromium for the UI's end-to-end tests: Debian's `chromium` package (installed by
 * `.ci/run`), driven by playwright-core, which downloads no browser of its own. A fresh profile
 * per launch; no network but loopback is ever used.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = process.env['WHISKER_CHROMIUM'] ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface UiBrowser {
  context: BrowserContext;
  browser: Browser;
  close(): Promise<void>;
}

/** Fails with what to do when Chromium is missing: the UI tests never skip silently. */
export function assertChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: the web UI's end-to-end tests need it. ` +
        'Install it with `apt-get update && apt-get install -y chromium` (.ci/run does this), ' +
        'or point WHISKER_CHROMIUM at a Chromium binary.',
    );
  }
}

export async function launchBrowser(viewport = { width: 1440, height: 900 }): Promise<UiBrowser> {
  assertChromium();
  const profile = await mkdtemp(join(tmpdir(), 'whisker-ui-chromium-'));
  // A persistent context is the only way to pass a fresh --user-data-dir of our own.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    acceptDownloads: true,
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  const browser = context.browser();
  return {
    context,
    browser: browser as Browser,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
