import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, ConsoleMessage, Locator } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { loadConfig } from '../../bot/config.js';
import { DEMO_ROLES, startDemo, type DemoRole, type RunningDemo } from '../../scripts/start.js';
import { startLocaleProxy, type LocaleProxy } from './localeProxy.js';
import { PlaygroundTab, STEP_TIMEOUT_MS } from './playgroundTab.js';
import { freePort } from '../support/freePort.js';

// One run of the demo for a browser test: the bot on a temporary DATA_DIR, one playground per
// person, and a headless Chromium tab on each. It records what must stay empty for a run to pass:
// console and page errors, and what the bot logged.

export const OUTPUT = join(process.cwd(), 'test-output', 'playground');
export const CLAIM_ID = /CPOR-\d{4}-\d{6,}/;

export type RunLocale = 'en-US' | 'es-ES';

export interface Run {
  demo: RunningDemo;
  proxy?: LocaleProxy;
  dataDir: string;
  context: BrowserContext;
  profile: string;
  tabs: Record<DemoRole, PlaygroundTab>;
  problems: string[];
  blocked: Set<string>;
  /** What the bot logged (turn failures and the like). */
  botLog: string[];
}

/** Starts the demo and a tab per person; screenshots are named `<name>-<role>-…` (name: the locale unless given). */
export async function startRun(locale: RunLocale, name: string = locale, env: Record<string, string> = {}): Promise<Run> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cpor-journey-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: process.env.JOURNEY_BOT_PORT ?? String(await freePort()),
    ...env,
  });
  let proxy: LocaleProxy | undefined;
  const botLog: string[] = [];
  const demo = await startDemo({
    config,
    environment: { DATA_DIR: dataDir, ...env },
    playground: true,
    playgroundPorts: { partner: await freePort(), reviewer: await freePort(), customer: await freePort() },
    startTimeoutMs: 30_000,
    log: (message, error) => botLog.push(`${message} ${error instanceof Error ? error.stack : (error ?? '')}`),
    endpoint: async (app) => {
      const direct = `http://127.0.0.1:${app.port}/api/messages`;
      if (locale === 'en-US') return direct;
      proxy = await startLocaleProxy(direct, locale);
      return proxy.endpoint;
    },
  });
  const { context, profile } = await launchChromium({
    viewport: { width: 1280, height: 1000 },
    locale,
  });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const blocked = new Set<string>();
  // Nothing leaves this machine: the playground's page asks a CDN for fonts and an animation
  // worklet; those requests are aborted (and the console errors they cause are theirs, not ours).
  await context.route('**/*', (route) => {
    const { hostname } = new URL(route.request().url());
    if (hostname === '127.0.0.1' || hostname === 'localhost') return route.continue();
    blocked.add(route.request().url());
    return route.abort();
  });
  const problems: string[] = [];
  const onConsole = (who: string) => (message: ConsoleMessage) => {
    if (message.type() !== 'error') return;
    const source = message.location().url;
    const text = message.text();
    const fromBlocked = [...blocked].some((url) => source === url || text.includes(url));
    if (!fromBlocked) problems.push(`${who} console error: ${text} (${source})`);
  };
  await mkdir(OUTPUT, { recursive: true });
  // This run's screenshots replace the last run's.
  for (const file of await readdir(OUTPUT)) if (file.startsWith(`${name}-`)) await rm(join(OUTPUT, file), { force: true });
  const tabs = {} as Record<DemoRole, PlaygroundTab>;
  for (const role of DEMO_ROLES) {
    const page = await context.newPage();
    page.on('console', onConsole(role));
    page.on('pageerror', (error) => problems.push(`${role} page error: ${error.message}`));
    tabs[role] = new PlaygroundTab(page, `${name}-${role}`, OUTPUT);
  }
  return { demo, dataDir, context, profile, tabs, problems, blocked, botLog, ...(proxy ? { proxy } : {}) };
}

export async function stopRun(run: Run | undefined): Promise<void> {
  if (!run) return;
  await run.context.close().catch(() => undefined);
  await run.demo.stop();
  await run.proxy?.stop();
  await rm(run.profile, { recursive: true, force: true });
  await rm(run.dataDir, { recursive: true, force: true });
}

/** Runs `body` on a fresh run, with a failure screenshot of every tab when it throws. */
export async function withRun(locale: RunLocale, name: string, body: (run: Run) => Promise<void>, env: Record<string, string> = {}): Promise<void> {
  let run: Run | undefined;
  try {
    run = await startRun(locale, name, env);
    await body(run);
  } catch (error) {
    if (run) {
      for (const role of DEMO_ROLES) await run.tabs[role].screenshot('failure').catch(() => undefined);
    }
    throw error;
  } finally {
    await stopRun(run);
  }
}

/** Waits until the card's status line (e.g. "Approved: customer consent window open") shows `status`. */
export async function waitForStatus(card: Locator, status: string, timeout = STEP_TIMEOUT_MS): Promise<void> {
  await card
    .getByText(new RegExp(`^${status.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`))
    .first()
    .waitFor({ state: 'visible', timeout });
}

/** No error card, no failed request, no console or page error, nothing in the bot's log. */
export async function assertClean(run: Run, errorTitles: readonly string[]): Promise<void> {
  for (const role of DEMO_ROLES) {
    await run.tabs[role].assertNoErrorCard(errorTitles);
    assert.deepEqual(await run.tabs[role].failedRequests(), [], `${role}: every request between playground and bot succeeded`);
  }
  assert.deepEqual(run.problems, [], 'no console or page errors');
  assert.deepEqual(run.botLog, [], 'the bot logged no failure');
}
