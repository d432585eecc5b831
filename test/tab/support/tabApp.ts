import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../../../bot/app.js';
import { loadConfig } from '../../../bot/config.js';
import { systemClock } from '../../../services/clock.js';
import type { Claim } from '../../../services/model.js';
import type { TeamsUser } from '../../support/botClient.js';
import { actorOf, OTHER_PARTNER, PARTNER, REVIEWER, rosterLines } from '../../e2e/support/e2eApp.js';
import { bizAppsDetails, m365Details, ManualClock, MONDAY, OTHER_CUSTOMER_TENANT, poeFile } from '../../support/serviceHarness.js';

// The real app (startApp, the real files store, the real roster) for the tab's tests, on a clock
// the test moves by hand, with a known set of claims made through the claim service.

export interface TabApp {
  app: RunningApp;
  clock: ManualClock;
  logs: string[];
  /** A tab API request in local mode as `person` (query parameters user/tenant). */
  get(person: TeamsUser | undefined, path: string, params?: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export async function startTabApp(options: { env?: Record<string, string>; start?: Date } = {}): Promise<TabApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cpor-tab-'));
  await writeFile(join(dataDir, 'roster.jsonl'), rosterLines());
  const environment: NodeJS.ProcessEnv = {
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '3978',
    TICK_INTERVAL_SECONDS: '3600',
    DELIVERY_POLL_SECONDS: '3600',
    DIRECTORY_CACHE_SECONDS: '0',
    // The tab's claims carry PoE records without files: nothing for the pre-check to read.
    POE_PRECHECK: 'off',
    ...options.env,
  };
  const clock = new HandClock(options.start ?? MONDAY);
  const logs: string[] = [];
  const app = await startApp({
    config: { ...loadConfig(environment), PORT: 0 },
    environment,
    clock,
    log: (message, error) => logs.push(`${message}${error ? `: ${error instanceof Error ? error.stack : String(error)}` : ''}`),
  });
  return {
    app,
    clock,
    logs,
    get: (person, path, params = {}, headers = {}) => {
      const query = new URLSearchParams({ ...(person ? { user: person.aadObjectId, tenant: person.tenantId } : {}), ...params });
      return fetch(`${app.url}/tab${path ? `/${path}` : ''}?${query}`, { headers });
    },
    close: async () => {
      await app.stop();
      await rm(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    },
  };
}

export interface KnownClaims {
  /** Contoso, OSU-M365: submitted Monday, review started Tuesday, approved Wednesday. */
  approved: Claim;
  /** Contoso, OSU-BizApps: submitted Monday, review started Tuesday, information requested Thursday. */
  asked: Claim;
  /** Contoso: a draft nobody but Contoso sees. */
  draft: Claim;
  /** Northwind, OSU-M365: submitted Monday, review started two weeks later (late), rejected. */
  northwind: Claim;
}

/** A clock that moves only when the test moves it: workers' sleeps don't advance it. */
export class HandClock extends ManualClock {
  override async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    await systemClock.sleep(ms, signal);
  }
}

const at = (clock: ManualClock, iso: string) => clock.set(new Date(iso));

/**
 * The claims of the statistics tests, made in time order from Monday 2026-11-23 09:00 UTC to
 * Monday 2026-12-07 10:00 UTC (where the clock is left). A request for information carries a
 * comment that a spreadsheet would run as a formula.
 */
export async function makeKnownClaims({ app, clock }: Pick<TabApp, 'app' | 'clock'>): Promise<KnownClaims> {
  const claims = app.claims;
  const contoso = actorOf(PARTNER);
  const northwindActor = actorOf(OTHER_PARTNER);
  const reviewer = { ...actorOf(REVIEWER), displayName: REVIEWER.name };
  const submitted = async (by: typeof contoso, details: ReturnType<typeof m365Details>, file: string) => {
    let claim = await claims.create(by, details);
    claim = await claims.addPoe(by, claim.id, claim.version, poeFile(file));
    return claims.submit(by, claim.id, claim.version);
  };
  at(clock, '2026-11-23T09:00:00.000Z');
  let approved = await submitted(contoso, m365Details(), 'contoso-ack.pdf');
  let asked = await submitted(contoso, bizAppsDetails({ customerDomain: 'adatum.onmicrosoft.com' }), 'adatum-ack.pdf');
  let northwind = await submitted(
    northwindActor,
    m365Details({
      partnerId: '7700001',
      customerDomain: 'tailspin.onmicrosoft.com',
      customerTenantId: OTHER_CUSTOMER_TENANT,
      workloads: ['SharePoint'],
      customerContact: { name: 'Terry Tailspin', title: 'CIO', email: 'terry@tailspin.com' },
      partnerContact: { name: 'Nora Northwind', email: 'nora@northwind.com' },
    }),
    'northwind-secret-ack.pdf',
  );
  const draft = await claims.create(contoso, m365Details({ customerDomain: 'litware.onmicrosoft.com', workloads: ['Intune'] }));

  at(clock, '2026-11-24T10:00:00.000Z');
  approved = await claims.startReview(reviewer, approved.id, approved.version);
  at(clock, '2026-11-24T11:00:00.000Z');
  asked = await claims.startReview(reviewer, asked.id, asked.version);
  at(clock, '2026-11-25T10:00:00.000Z');
  approved = await claims.approve(reviewer, approved.id, approved.version);
  at(clock, '2026-11-26T12:00:00.000Z');
  asked = await claims.requestInformation(reviewer, asked.id, asked.version, {
    reasons: ['missing-customer-acknowledgement'],
    comment: '=HYPERLINK("http://evil.example","sign here")',
  });
  at(clock, '2026-12-07T09:00:00.000Z');
  northwind = await claims.startReview(reviewer, northwind.id, northwind.version);
  at(clock, '2026-12-07T10:00:00.000Z');
  northwind = await claims.reject(reviewer, northwind.id, northwind.version, { reason: 'insufficient-poe', comment: 'No signature.' });
  return { approved, asked, draft, northwind };
}
