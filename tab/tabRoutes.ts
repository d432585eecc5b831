import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type restify from 'restify';
import { DEFAULT_LOCALE, resolveLocale, translatorFor, type Locale, type Translator } from '../cards/i18n/i18n.js';
import { BusinessCalendar } from '../services/businessCalendar.js';
import type { Actor } from '../services/actor.js';
import type { ClaimService } from '../services/claimService.js';
import type { Clock } from '../services/clock.js';
import { isDomainError } from '../services/errors.js';
import type { Claim } from '../services/model.js';
import { MAX_RANGE_DAYS, ratesByProgram, slaAttainment, statusByDay, timeInStatus, workloadOf, type SlaKind } from '../services/claimStatistics.js';
import { pageOf, tableOf } from '../services/claimTable.js';
import { SignInError, type TabAuthenticator, type TabIdentity } from './tabAuth.js';
import { toCsv, toXlsx } from './tabExport.js';
import { tabPage } from './tabPage.js';
import { ClaimQuerySchema, ParameterError, parseQuery, StatisticsQuerySchema, type ClaimQuery } from './tabQuery.js';
import { claimDetail, claimRow, exportTables, queueRow, statisticsView, workloadRow } from './tabViews.js';

// The personal tab (issue 19), served by the bot's own server: GET /tab (the page), /tab/app.js
// (its script), /tab/teams.js (@microsoft/teams-js from node_modules) and the JSON API under
// /tab/api/. Every API request names its person anew (tabAuth.ts) and reads claims through the
// claim service with the chat's access rules: partners their organisation's claims, reviewers
// every submitted claim, everyone else (customers included) nothing.

export interface TabActors {
  resolve(identity: { userId: string; tenantId: string; teamsUserId: string; name?: string }): Promise<Actor>;
}

export interface TabDeps {
  claims: ClaimService;
  actors: TabActors;
  authenticator: TabAuthenticator;
  /** The signed links to a claim's PoE files that `actor` may open (poe/poeLinks.ts). */
  poeLinks: (actor: Actor, claim: Claim) => Promise<Record<string, string>>;
  clock: Clock;
  defaultLocale?: Locale;
  log?: (message: string, error?: unknown) => void;
}

/** The most claims one request reads: the most recently changed, far above a partner's count. */
export const MAX_TAB_CLAIMS = 5000;
const HERE = dirname(fileURLToPath(import.meta.url));
const TEAMS_JS = createRequire(import.meta.url).resolve('@microsoft/teams-js');
/** Teams and the clients that host tabs; the playground and a local browser in local mode. */
const TEAMS_FRAME_ANCESTORS = [
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://*.cloud.microsoft',
  'https://*.office.com',
  'https://*.microsoft365.com',
  'https://*.skype.com',
];
const LOCAL_FRAME_ANCESTORS = ['http://localhost:*', 'http://127.0.0.1:*'];

type View = 'partner' | 'reviewer';

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function registerTabRoutes(server: restify.Server, deps: TabDeps): void {
  const tab = new TabApi(deps);
  const script = readFileSync(join(HERE, 'client', 'tabClient.js'));
  const teamsJs = readFileSync(TEAMS_JS);
  const frameAncestors = [...TEAMS_FRAME_ANCESTORS, ...(deps.authenticator.mode === 'local' ? LOCAL_FRAME_ANCESTORS : [])].join(' ');
  const assetVersion = String(script.length + teamsJs.length);

  server.get('/tab', async (req: restify.Request, res: restify.Response) => {
    const t = translatorFor(tab.localeOf(req));
    send(res, 200, 'text/html; charset=utf-8', tabPage(t, { mode: deps.authenticator.mode, assetVersion }), {
      'Content-Security-Policy': `default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors ${frameAncestors}; base-uri 'none'; form-action 'none'`,
      'Referrer-Policy': 'no-referrer',
    });
  });
  server.get('/tab/app.js', async (_req: restify.Request, res: restify.Response) =>
    send(res, 200, 'text/javascript; charset=utf-8', script, { 'Cache-Control': 'no-cache' }),
  );
  server.get('/tab/teams.js', async (_req: restify.Request, res: restify.Response) =>
    send(res, 200, 'text/javascript; charset=utf-8', teamsJs, { 'Cache-Control': 'no-cache' }),
  );

  const api = (path: string, handler: (context: RequestContext, req: restify.Request) => Promise<ApiResult>) =>
    server.get(`/tab/api/${path}`, async (req: restify.Request, res: restify.Response) => {
      const t = translatorFor(tab.localeOf(req));
      try {
        const context = await tab.open(req, t);
        const result = await handler(context, req);
        if (result.kind === 'json') return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(result.body));
        return send(res, 200, result.contentType, result.body, { 'Content-Disposition': `attachment; filename="${result.fileName}"` });
      } catch (error) {
        const failure = tab.failure(t, error);
        return send(res, failure.status, 'application/json; charset=utf-8', JSON.stringify({ error: { code: failure.code, message: failure.message } }));
      }
    });

  api('me', async ({ actor, view }) => ({
    kind: 'json',
    body: { view: view ?? 'none', name: actor.displayName ?? '', organisation: actor.organisation?.name ?? null },
  }));
  api('claims', async (context, req) => {
    const query = parseQuery(ClaimQuerySchema, req);
    const rows = await tab.table(context, query);
    const page = pageOf(rows, query.page, query.pageSize);
    return { kind: 'json', body: { ...page, rows: page.rows.map((claim) => claimRow(context.t, claim)) } };
  });
  api('claims/:claimId', async (context, req) => ({ kind: 'json', body: await tab.detail(context, String(req.params.claimId ?? '')) }));
  api('export', async (context, req) => {
    const query = parseQuery(ClaimQuerySchema, req);
    const tables = exportTables(context.t, await tab.table(context, query));
    const stamp = deps.clock.now().toISOString().slice(0, 10);
    if (query.format === 'xlsx') {
      return {
        kind: 'file',
        contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        fileName: `cpor-claims-${stamp}.xlsx`,
        body: await toXlsx(tables, deps.clock.now()),
      };
    }
    return { kind: 'file', contentType: 'text/csv; charset=utf-8', fileName: `cpor-claims-${stamp}.csv`, body: toCsv(tables) };
  });
  api('queue', async (context) => {
    tab.reviewerOnly(context);
    const items = await deps.claims.reviewQueue(context.actor, { limit: 200 });
    return { kind: 'json', body: { rows: items.map((item) => queueRow(context.t, item)) } };
  });
  api('workload', async (context) => {
    tab.reviewerOnly(context);
    const claims = await tab.visible(context, '');
    return { kind: 'json', body: { rows: workloadOf(claims, context.actor.userId).map((item) => workloadRow(context.t, item)) } };
  });
  api('statistics', async (context, req) => {
    tab.reviewerOnly(context);
    return { kind: 'json', body: await tab.statistics(context, req) };
  });
}

type ApiResult = { kind: 'json'; body: unknown } | { kind: 'file'; contentType: string; fileName: string; body: Buffer };

interface RequestContext {
  actor: Actor;
  view: View | undefined;
  t: Translator;
}

class TabApi {
  private readonly calendar: BusinessCalendar;

  constructor(private readonly deps: TabDeps) {
    this.calendar = new BusinessCalendar(deps.claims.policy.timeZone, deps.claims.policy.holidays);
  }

  localeOf(req: IncomingMessage): Locale {
    const requested = new URL(req.url ?? '/', 'http://localhost').searchParams.get('lang');
    if (requested) return resolveLocale(requested);
    const accepted = req.headers['accept-language']?.split(',')[0]?.split(';')[0]?.trim();
    return accepted ? resolveLocale(accepted) : (this.deps.defaultLocale ?? DEFAULT_LOCALE);
  }

  /** The person asking, their roles from the directory, and the view they get. */
  async open(req: IncomingMessage, t: Translator): Promise<RequestContext> {
    const identity: TabIdentity = await this.deps.authenticator.identify(req);
    const actor = await this.deps.actors.resolve({ ...identity, teamsUserId: identity.userId });
    const view: View | undefined = actor.roles.includes('reviewer') ? 'reviewer' : actor.organisation && actor.roles.length > 0 ? 'partner' : undefined;
    return { actor, view, t };
  }

  /** Partners and reviewers only: a customer (or anyone else) gets no tab data at all. */
  private requireView(context: RequestContext): View {
    if (!context.view) throw new ApiError(403, 'not-allowed', context.t.t('tab.error.notAllowed'));
    return context.view;
  }

  reviewerOnly(context: RequestContext): void {
    if (this.requireView(context) !== 'reviewer') throw new ApiError(403, 'not-allowed', context.t.t('tab.error.reviewersOnly'));
  }

  /** Every claim the reader may list: their organisation's, or (reviewers) all but drafts. */
  async visible(context: RequestContext, text: string): Promise<Claim[]> {
    const view = this.requireView(context);
    const found = await this.deps.claims.search(context.actor, text, { limit: MAX_TAB_CLAIMS });
    // The service already keeps partners to their organisation; the tab checks once more.
    return view === 'reviewer'
      ? found.filter((claim) => claim.status !== 'Draft')
      : found.filter((claim) => claim.partnerTenantId === context.actor.organisation?.tenantId);
  }

  async table(context: RequestContext, query: ClaimQuery): Promise<Claim[]> {
    return tableOf(await this.visible(context, query.text ?? ''), query.filter, { sort: query.sort, direction: query.direction });
  }

  async detail(context: RequestContext, claimId: string): Promise<unknown> {
    const view = this.requireView(context);
    const notFound = () => new ApiError(404, 'not-found', context.t.t('errors.not-found', { claimId: claimId.slice(0, 40) }));
    if (!/^CPOR-\d{4}-\d{6,}$/.test(claimId)) throw notFound();
    let claim: Claim;
    try {
      claim = await this.deps.claims.get(context.actor, claimId);
    } catch (error) {
      // Another organisation's claim is "not found": the tab never tells that it exists.
      if (isDomainError(error, 'not-found') || isDomainError(error, 'wrong-tenant') || isDomainError(error, 'not-allowed')) throw notFound();
      throw error;
    }
    const listed = view === 'reviewer' ? claim.status !== 'Draft' : claim.partnerTenantId === context.actor.organisation?.tenantId;
    if (!listed) throw notFound();
    return claimDetail(context.t, claim, await this.deps.poeLinks(context.actor, claim));
  }

  async statistics(context: RequestContext, req: IncomingMessage): Promise<unknown> {
    const today = this.deps.clock.now().toISOString().slice(0, 10);
    const query = parseQuery(StatisticsQuerySchema, req);
    const to = query.to ?? today;
    const from = query.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
    const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
    if (days < 1 || days > MAX_RANGE_DAYS) throw new ApiError(400, 'validation', context.t.t('tab.error.range', { days: MAX_RANGE_DAYS }));
    const range = { from, to };
    const claims = await this.visible(context, '');
    const policy = this.deps.claims.policy;
    const dueAfter = (kind: SlaKind, start: Date) => {
      const rule = policy.timers[kind];
      return rule.unit === 'business-days' ? this.calendar.addBusinessDays(start, rule.length) : new Date(start.getTime() + rule.length * 86_400_000);
    };
    return statisticsView(context.t, range, {
      byDay: statusByDay(claims, range),
      timeInStatus: timeInStatus(claims, range),
      sla: slaAttainment(claims, range, this.deps.clock.now(), dueAfter),
      programs: ratesByProgram(claims, range),
    });
  }

  failure(t: Translator, error: unknown): { status: number; code: string; message: string } {
    if (error instanceof ApiError) return { status: error.status, code: error.code, message: error.message };
    if (error instanceof SignInError) return { status: 401, code: `sign-in-${error.problem}`, message: t.t(`tab.error.signIn.${error.problem}`) };
    if (error instanceof ParameterError) return { status: 400, code: 'validation', message: t.t('tab.error.parameter', { parameter: error.parameter }) };
    if (isDomainError(error, 'not-allowed')) return { status: 403, code: 'not-allowed', message: t.t('tab.error.notAllowed') };
    if (isDomainError(error, 'directory-unavailable') || isDomainError(error, 'storage-unavailable')) {
      return { status: 503, code: error.code, message: t.t(`errors.${error.code}`) };
    }
    this.deps.log?.('tab request failed', error);
    return { status: 500, code: 'unexpected', message: t.t('errors.unexpected') };
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(body);
}
