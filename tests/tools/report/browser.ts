// Headless Debian Chromium through playwright-core (never a downloaded browser), for the report tests.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser test cannot run here, or null when it can. */
export function browser_unavailable(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} not found (install Debian's chromium: apt-get install -y chromium)`;
}

/** Launches Chromium with the project's flags and a new empty profile; close() removes the profile. */
export async function launch(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'fxq-chromium-'));
  // a persistent context is playwright's way to pass --user-data-dir (a new, empty one)
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
