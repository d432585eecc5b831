import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import restify from 'restify';
import type { Activity } from 'botbuilder';
import { checkActivity } from './activitySchema.js';
import { isLoopbackHost } from './config.js';
import type { ClaimsBot } from './claimsBot.js';
import { BodyError, hasBody, readBody, type BodyKind } from './requestBody.js';
import type { TeamsAdapter } from './teamsAdapter.js';

// The HTTP surface: POST /api/messages for Teams, GET /healthz for load balancers (status only),
// GET /healthz/details for operators (from this machine, or with the health key). Each route
// reads only the body type it needs, bounded while reading; every activity is validated before
// botbuilder sees it. In-flight requests are counted so a shutdown can let the turn finish.

export interface ServerOptions {
  adapter: TeamsAdapter;
  bot: ClaimsBot;
  maxBodyBytes: number;
  /** Production: only msteams activities that name their tenant. */
  teamsOnly: boolean;
  /** The operator figures of /healthz/details. */
  health: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Opens /healthz/details to callers that send it as `x-health-key` (besides loopback). */
  healthKey?: string;
  log: (message: string, error?: unknown) => void;
  /** Extra routes (the consent page, for one) registered by their own modules. */
  routes?: ReadonlyArray<(server: restify.Server) => void>;
}

export interface BotServer {
  server: restify.Server;
  /** Stops accepting connections and resolves once every request in flight has finished. */
  drain(timeoutMs: number): Promise<void>;
}

/** The one body type each route takes; a body anywhere else is refused. */
const BODY_KINDS: Readonly<Record<string, BodyKind>> = { '/api/messages': 'json', '/consent/*': 'form' };
/** The consent form carries a token and a CSRF value: a few hundred bytes. */
const MAX_FORM_BYTES = 4 * 1024;
/**
 * How long an idle keep-alive connection stays open: longer than the idle timeout of the clients
 * and proxies in front (commonly 60 s), so they close it first. With node's 5 s, a request sent
 * on a connection at the instant the bot closes it is reset, and the sender sees a failure.
 */
export const KEEP_ALIVE_MS = 65_000;

export function createServer(options: ServerOptions): BotServer {
  const server = restify.createServer({ name: 'cpor-claims-assistant', handleUncaughtExceptions: false });
  server.server.keepAliveTimeout = KEEP_ALIVE_MS;
  // Node's guidance: the headers timeout above the keep-alive one, or a reused connection may be cut.
  server.server.headersTimeout = KEEP_ALIVE_MS + 1000;
  let inFlight = 0;
  server.pre((_req, res, next) => {
    inFlight += 1;
    res.once('close', () => (inFlight -= 1));
    next();
  });
  server.use((req, res, next) => {
    const kind = req.method === 'POST' ? BODY_KINDS[req.getRoute()?.path?.toString() ?? ''] : undefined;
    if (!kind && !hasBody(req)) return next();
    const limit = kind === 'form' ? Math.min(MAX_FORM_BYTES, options.maxBodyBytes) : options.maxBodyBytes;
    const read: Promise<unknown> = kind ? readBody(req, kind, limit) : Promise.reject(new BodyError(415, 'no body expected'));
    read.then(
      (body) => {
        req.body = body;
        next();
      },
      (error: unknown) => {
        if (!(error instanceof BodyError)) return next(error as Error);
        // The rest of the body is read and dropped, never kept; the connection is not reused.
        req.resume();
        res.header('connection', 'close');
        res.send(error.status, { error: error.message });
        next(false);
      },
    );
  });

  server.post('/api/messages', async (req, res) => {
    const check = checkActivity(req.body, { teamsOnly: options.teamsOnly });
    if (!check.ok) {
      res.send(400, { error: check.reason });
      return;
    }
    let started = false;
    try {
      const header = req.headers.authorization;
      const invokeResponse = await options.adapter.runActivity(typeof header === 'string' ? header : '', req.body as Activity, async (context) => {
        started = true;
        await options.bot.run(context);
      });
      res.send(invokeResponse?.status ?? 200, invokeResponse?.body);
    } catch (error) {
      if (!started) {
        // Whatever stopped the turn before it began was the caller's credentials: a short line,
        // never the token or the keys botbuilder's error carries.
        options.log(`refused a request: authentication failed (${error instanceof Error ? error.name : 'unknown'})`);
        res.send(401, { error: 'unauthorized' });
        return;
      }
      options.log('turn failed', error);
      res.send(500, { error: 'internal error' });
    }
  });
  server.get('/healthz', (_req, res, next) => {
    res.json({ status: 'ok' });
    next();
  });
  server.get('/healthz/details', (req, res, next) => {
    if (!mayReadDetails(req, options.healthKey)) {
      res.send(403, { error: 'from this machine or with the health key only' });
      return next();
    }
    Promise.resolve()
      .then(() => options.health())
      .then(
        (figures) => res.json({ status: 'ok', ...figures }),
        // The store may be unreachable; the details say so instead of hanging or crashing.
        (error: unknown) => res.send(503, { status: 'unavailable', error: (error as Error).message.slice(0, 200) }),
      )
      .finally(() => next());
  });
  for (const register of options.routes ?? []) register(server);

  return {
    server,
    drain: async (timeoutMs) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const deadline = Date.now() + timeoutMs;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      // Idle keep-alive connections would otherwise hold close() open until they time out.
      server.server.closeIdleConnections();
      // The timer must not outlive the race: left running it would hold the process for the rest
      // of the timeout after every stop.
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))));
      try {
        await Promise.race([closed, timedOut]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Loopback callers that no proxy speaks for, or callers holding the configured key. */
function mayReadDetails(req: IncomingMessage, healthKey: string | undefined): boolean {
  const offered = req.headers['x-health-key'];
  if (healthKey && typeof offered === 'string') {
    const [a, b] = [Buffer.from(offered), Buffer.from(healthKey)];
    return a.length === b.length && timingSafeEqual(a, b);
  }
  // A reverse proxy on the same host makes every caller look local: its headers give it away.
  if (req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined) return false;
  return isLoopback(req.socket.remoteAddress);
}

function isLoopback(address: string | undefined): boolean {
  return address !== undefined && isLoopbackHost(address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address);
}
