import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

// Debian's Chromium as every browser test launches it: headless, a fresh profile, and the flags
// that keep it from reaching for the network this machine does not have.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A missing browser fails the test, unless SKIP_BROWSER_TESTS=1 marks it pending. */
export function requireChromium(context: Mocha.Context): void {
  if (existsSync(CHROMIUM)) return;
  if (process.env.SKIP_BROWSER_TESTS === '1') context.skip();
  throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) or set SKIP_BROWSER_TESTS=1`);
}

export type ContextOptions = NonNullable<Parameters<typeof chromium.launchPersistentContext>[1]>;

/** A browser context on a new, empty profile (the caller removes `profile` when done). */
export async function launchChromium(
  options: Omit<ContextOptions, 'executablePath' | 'headless' | 'args'>,
): Promise<{ context: BrowserContext; profile: string }> {
  const profile = await mkdtemp(join(tmpdir(), 'cpor-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { ...options, executablePath: CHROMIUM, headless: true, args: FLAGS });
  return { context, profile };
}
