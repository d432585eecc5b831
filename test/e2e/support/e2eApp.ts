import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Activity } from 'botbuilder';
import { startApp, type AppOptions, type RunningApp } from '../../../bot/app.js';
import { loadConfig, type BotConfig } from '../../../bot/config.js';
import type { Actor } from '../../../services/actor.js';
import { BotClient, type InvokeResponseBody, type TeamsUser } from '../../support/botClient.js';
import { ConnectorStandIn, type RecordedRequest } from '../../support/connectorStandIn.js';
import { CUSTOMER_TENANT, OTHER_CUSTOMER_TENANT, OTHER_PARTNER_TENANT, PARTNER_TENANT, REVIEW_TENANT } from '../../support/serviceHarness.js';
import { startFileHost, type FileHost } from '../../dialogs/support/dialogHarness.js';

// The real bot, end to end: `startApp` (the composition root `npm start` uses) on a free port of
// 127.0.0.1, a temp DATA_DIR holding the real roster file, a stand-in Bot Connector for every
// reply, card update and proactive alert, and a local http "SharePoint" for PoE downloads.
// Activities go over HTTP exactly as Teams sends them.

export type Reply = Partial<Activity>;

// ---- the people (SPEC section 1), as Teams identifies them --------------------------------

export const CONTOSO = { tenantId: PARTNER_TENANT, name: 'Contoso Partners', partnerIds: ['4512345', '4512346'] };
export const NORTHWIND = { tenantId: OTHER_PARTNER_TENANT, name: 'Northwind Advisors', partnerIds: ['7700001'] };

/** Contoso's incentives admin; their Teams client runs in Madrid time. */
export const PARTNER: TeamsUser = {
  aadObjectId: 'aad-contoso-admin',
  tenantId: PARTNER_TENANT,
  name: 'Pat Partner',
  locale: 'en-US',
  timeZone: 'Europe/Madrid',
};
/** A Contoso incentives user with a Spanish Teams client. */
export const PARTNER_ES: TeamsUser = {
  aadObjectId: 'aad-contoso-lucia',
  tenantId: PARTNER_TENANT,
  name: 'Lucía Socia',
  locale: 'es-ES',
  timeZone: 'Europe/Madrid',
};
/** Northwind's admin: another partner organisation. */
export const OTHER_PARTNER: TeamsUser = { aadObjectId: 'aad-northwind-admin', tenantId: OTHER_PARTNER_TENANT, name: 'Nora Northwind', locale: 'en-US' };
/** A PoE reviewer of the program, in the program's own tenant. */
export const REVIEWER: TeamsUser = { aadObjectId: 'aad-reviewer', tenantId: REVIEW_TENANT, name: 'Rita Reviewer', locale: 'en-US' };
/** A second reviewer (reassignment, out-of-office delegation). */
export const REVIEWER_2: TeamsUser = { aadObjectId: 'aad-reviewer-2', tenantId: REVIEW_TENANT, name: 'Rob Reviewer', locale: 'en-US' };
/** A user of the customer tenant: not on the roster, a customer by tenant alone. */
export const CUSTOMER: TeamsUser = { aadObjectId: 'aad-fabrikam-it', tenantId: CUSTOMER_TENANT, name: 'Dana Customer', locale: 'en-US' };
/** A user of some other customer tenant. */
export const OTHER_CUSTOMER: TeamsUser = { aadObjectId: 'aad-tailspin-it', tenantId: OTHER_CUSTOMER_TENANT, name: 'Terry Tailspin', locale: 'en-US' };

/** The roster the bot reads at start (DATA_DIR/roster.jsonl, services/directory/roster.ts). */
export function rosterLines(): string {
  const user = (person: TeamsUser, roles: string[]) =>
    JSON.stringify({ type: 'user', tenantId: person.tenantId, userId: person.aadObjectId, displayName: person.name, roles });
  return [
    '# e2e roster',
    JSON.stringify({ type: 'organisation', ...CONTOSO }),
    JSON.stringify({ type: 'organisation', ...NORTHWIND }),
    user(PARTNER, ['incentives-admin']),
    user(PARTNER_ES, ['incentives-user']),
    user(OTHER_PARTNER, ['incentives-admin']),
    user(REVIEWER, ['reviewer']),
    user(REVIEWER_2, ['reviewer']),
    '',
  ].join('\n');
}

/** The actor the service sees for a roster person (for direct reads of the store in assertions). */
export function actorOf(person: TeamsUser): Actor {
  const organisation = person.tenantId === CONTOSO.tenantId ? CONTOSO : person.tenantId === NORTHWIND.tenantId ? NORTHWIND : undefined;
  const roles: Actor['roles'] =
    person === REVIEWER || person === REVIEWER_2 ? ['reviewer'] : person === PARTNER_ES ? ['incentives-user'] : organisation ? ['incentives-admin'] : [];
  return { userId: person.aadObjectId, tenantId: person.tenantId, roles, ...(organisation ? { organisation } : {}) };
}

export const conversationOf = (person: TeamsUser): string => `a:personal-${person.aadObjectId}`;

// ---- the running system ---------------------------------------------------------------------

export interface E2EOptions {
  /** Extra environment variables for loadConfig and the app's own modules. */
  env?: Record<string, string>;
  /** Write the roster file before start (default true). */
  roster?: boolean;
  /** The PoE pre-check of each start (asked again at a restart); none: the pre-check is off. */
  precheck?: () => AppOptions['precheck'];
}

export interface E2E {
  app: RunningApp;
  config: BotConfig;
  dataDir: string;
  connector: ConnectorStandIn;
  files: FileHost;
  client: BotClient;
  /** Everything the app logged (a failed turn shows up here). */
  logs: string[];
  /** A message from `person`; returns exactly the replies the bot posted to it during the turn. */
  say(person: TeamsUser, input: string | Reply, options?: { replyId?: string }): Promise<Reply[]>;
  /** A Universal Action click; the HTTP status must equal the invoke response's statusCode. */
  click(person: TeamsUser, verb: string, data: unknown, options?: { replyToId?: string; trigger?: 'manual' | 'automatic' }): Promise<InvokeResponseBody>;
  /**
   * Proactive messages posted to the person's personal chat: every POST there that is not a reply
   * to an activity the test sent (botbuilder posts proactive messages as a reply to the id of the
   * synthetic continuation activity, so the path alone does not tell them apart).
   */
  proactive(person: TeamsUser): RecordedRequest[];
  /** Waits (bounded) for a proactive card to `person` whose texts include `marker`; returns it. */
  waitForAlert(person: TeamsUser, marker: string, timeoutMs?: number): Promise<RecordedRequest>;
  /**
   * Makes the next post to `person`'s chat answer with the activity id `id` (to click on it later).
   * Call it while that person is not talking, so the next post is the proactive one.
   */
  /** The next alert to `person` gets `id`; with `delayMs`, the connector holds its answer that long. */
  nameNextAlert(person: TeamsUser, id: string, delayMs?: number): void;
  /**
   * Waits (bounded) until the connector has seen no request for `quietMs`: card-copy updates and
   * alerts run after the turn that caused them, so a "nothing more was sent" check starts here.
   */
  quiet(quietMs?: number): Promise<void>;
  /** Card updates (PUT) of one activity. */
  updatesOf(person: TeamsUser, activityId: string): RecordedRequest[];
  /** Stops the app (graceful) and starts it again on the same DATA_DIR and configuration. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const activityPath = (person: TeamsUser) => `/v3/conversations/${encodeURIComponent(conversationOf(person))}/activities`;

export async function startE2E(options: E2EOptions = {}): Promise<E2E> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cpor-e2e-'));
  const connector = await ConnectorStandIn.start();
  const files = await startFileHost();
  const logs: string[] = [];
  const environment: NodeJS.ProcessEnv = {
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    // The app binds PORT 0 below; the directory module only uses PORT for the public base URL.
    PORT: '3978',
    TICK_INTERVAL_SECONDS: '3600',
    DELIVERY_POLL_SECONDS: '1',
    DELIVERY_BACKOFF_BASE_MS: '20',
    DIRECTORY_CACHE_SECONDS: '0',
    // The real pre-check adds a checklist alert to every upload; tests of it turn it on.
    POE_PRECHECK: 'off',
    ...options.env,
  };
  if (options.roster !== false) await writeFile(join(dataDir, 'roster.jsonl'), rosterLines());
  // loadConfig refuses PORT=0 (a deployment always names its port); the test asks the OS for one.
  const config: BotConfig = { ...loadConfig(environment), PORT: 0 };

  const start = () => {
    const precheck = options.precheck?.();
    return startApp({
      config,
      environment,
      ...(precheck ? { precheck } : {}),
      log: (message, error) => logs.push(`${message}${error ? `: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` : ''}`),
      poeDownload: { allowedHosts: ['127.0.0.1'], allowHttp: true },
    });
  };

  let app: RunningApp;
  try {
    app = await start();
  } catch (error) {
    await files.close();
    await connector.close();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const sentIds = new Set<string>();
  const clientFor = (running: RunningApp) => new BotClient({ botUrl: `${running.url}/api/messages`, serviceUrl: connector.url });

  const e2e: E2E = {
    app,
    config,
    dataDir,
    connector,
    files,
    client: clientFor(app),
    logs,
    async say(person, input, sayOptions = {}) {
      const id = randomUUID();
      sentIds.add(id);
      const replyPath = new RegExp(`/activities/${id}$`);
      if (sayOptions.replyId) connector.script({ method: 'POST', path: replyPath }, { status: 200, body: { id: sayOptions.replyId } });
      const extra = typeof input === 'string' ? { id } : { ...input, id };
      const result = await e2e.client.message(person, typeof input === 'string' ? input : '', extra);
      assert.ok(result.status >= 200 && result.status < 300, `the bot answered HTTP ${result.status}: ${JSON.stringify(result.body)}`);
      return connector
        .sent()
        .filter((request) => replyPath.test(request.path))
        .map((request) => request.body as Reply);
    },
    async click(person, verb, data, clickOptions = {}) {
      // BotClient.cardAction's shape, with an id the test knows (so what the invoke posts is not
      // mistaken for a proactive message).
      const id = randomUUID();
      sentIds.add(id);
      const response = await e2e.client.invoke<InvokeResponseBody>(
        person,
        'adaptiveCard/action',
        { action: { type: 'Action.Execute', id: randomUUID(), verb, data }, trigger: clickOptions.trigger ?? 'manual' },
        { id, ...(clickOptions.replyToId ? { replyToId: clickOptions.replyToId } : {}) },
      );
      assert.equal(response.status, response.body.statusCode, `HTTP ${response.status} for ${verb}`);
      return response.body;
    },
    proactive(person) {
      const prefix = activityPath(person);
      return connector.requests.filter((request) => {
        if (request.method !== 'POST' || !request.path.startsWith(prefix)) return false;
        const rest = request.path.slice(prefix.length);
        return rest === '' || (rest.startsWith('/') && !sentIds.has(decodeURIComponent(rest.slice(1))));
      });
    },
    async waitForAlert(person, marker, timeoutMs = 8000) {
      const find = () => e2e.proactive(person).find((request) => request.status < 300 && cardStrings(request.body).some((text) => text.includes(marker)));
      await connector
        .waitFor(() => find() !== undefined, timeoutMs)
        .catch(() => {
          const seen = e2e.proactive(person).map((request) => cardStrings(request.body).slice(0, 3).join(' | '));
          throw new Error(`no alert "${marker}" for ${person.aadObjectId} within ${timeoutMs} ms; seen: ${JSON.stringify(seen)}`);
        });
      return find()!;
    },
    nameNextAlert(person, id, delayMs) {
      connector.script({ method: 'POST', path: new RegExp(`^${escapeRegExp(activityPath(person))}(/[^/]+)?$`) }, { status: 200, body: { id }, delayMs });
    },
    async quiet(quietMs = 150) {
      const deadline = Date.now() + 5000;
      let seen = connector.requests.length;
      let since = Date.now();
      while (Date.now() - since < quietMs) {
        if (Date.now() > deadline) throw new Error('the connector stand-in never went quiet');
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (connector.requests.length !== seen) {
          seen = connector.requests.length;
          since = Date.now();
        }
      }
    },
    updatesOf(person, activityId) {
      const path = `${activityPath(person)}/${encodeURIComponent(activityId)}`;
      return connector.updates().filter((request) => request.path === path);
    },
    async restart() {
      await e2e.app.stop();
      e2e.app = await start();
      e2e.client = clientFor(e2e.app);
    },
    async close() {
      await e2e.app.stop().catch(() => undefined);
      await files.close();
      await connector.close();
      await rm(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    },
  };
  return e2e;
}

/**
 * For a `describe` whose tests each start their own app: `start` is startE2E, and after each test
 * the app is closed (its log printed first when the test failed).
 */
export function e2ePerTest(): { start(options?: E2EOptions): Promise<E2E> } {
  let current: E2E | undefined;
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && current?.logs.length) console.error(current.logs.join('\n'));
    await current?.close();
    current = undefined;
  });
  return {
    async start(options) {
      current = await startE2E(options);
      return current;
    },
  };
}

// ---- reading what was sent ------------------------------------------------------------------

/** Every text a person can read in a reply or request body: message text and card strings. */
export function cardStrings(body: unknown): string[] {
  const found: string[] = [];
  const walk = (value: unknown, key: string): void => {
    if (typeof value === 'string') {
      if (['text', 'title', 'value', 'label', 'placeholder', 'errorMessage'].includes(key)) found.push(value);
      return;
    }
    if (Array.isArray(value)) value.forEach((item) => walk(item, key));
    else if (value && typeof value === 'object') {
      for (const [name, entry] of Object.entries(value as Record<string, unknown>)) {
        // Button payloads and the Action.Submit fallback are not read by anyone.
        if (name === 'data' || name === 'fallback' || name === 'refresh') continue;
        walk(entry, name);
      }
    }
  };
  walk(body, '');
  return found;
}

/** Asserts that the reply or card shows every one of `texts` somewhere a person reads. */
export function assertShows(body: unknown, ...texts: string[]): void {
  const strings = cardStrings(body);
  for (const text of texts) {
    assert.ok(
      strings.some((candidate) => candidate.includes(text)),
      `expected to see "${text}" in ${JSON.stringify(strings).slice(0, 1500)}`,
    );
  }
}

export function assertDoesNotShow(body: unknown, ...texts: string[]): void {
  const strings = cardStrings(body);
  for (const text of texts) assert.ok(!strings.some((candidate) => candidate.includes(text)), `did not expect "${text}"`);
}

/** The Action.Execute verbs a card offers (its refresh and fallbacks aside), sorted. */
export function verbsOf(card: unknown): string[] {
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const object = value as Record<string, unknown>;
      if (object.type === 'Action.Execute') found.push(String(object.verb));
      for (const [key, entry] of Object.entries(object)) if (key !== 'data' && key !== 'fallback' && key !== 'refresh') walk(entry);
    }
  };
  walk(card);
  return found.sort();
}

/** The Adaptive Card of a request body (a posted or updated activity). */
export function cardIn(body: unknown): Record<string, unknown> {
  const attachments = (body as { attachments?: { contentType?: string; content?: unknown }[] } | undefined)?.attachments ?? [];
  const card = attachments.find((attachment) => attachment.contentType === 'application/vnd.microsoft.card.adaptive')?.content;
  assert.ok(card && typeof card === 'object', `expected an Adaptive Card in ${JSON.stringify(body)?.slice(0, 300)}`);
  return card as Record<string, unknown>;
}

/** The card of a 200 invoke response. */
export function invokeCard(response: InvokeResponseBody): Record<string, unknown> {
  assert.equal(response.statusCode, 200, JSON.stringify(response.value)?.slice(0, 500));
  assert.equal(response.type, 'application/vnd.microsoft.card.adaptive');
  return response.value as Record<string, unknown>;
}

/** The localized message of an error invoke response. */
export function invokeError(response: InvokeResponseBody, statusCode: number): { code: string; message: string } {
  assert.equal(response.statusCode, statusCode, JSON.stringify(response.value)?.slice(0, 500));
  assert.equal(response.type, 'application/vnd.microsoft.error');
  return response.value as { code: string; message: string };
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Polls `condition` every 10 ms until it holds, failing after `timeoutMs`. */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
