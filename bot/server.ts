import restify from 'restify';
import type { CloudAdapter } from 'botbuilder';
import type { ClaimsBot } from './claimsBot.js';

// The HTTP surface: POST /api/messages for Teams, GET /healthz for operators. Bodies over the
// configured limit are refused before they reach the bot. In-flight requests are counted so a
// shutdown can let the turn in progress finish.

export interface ServerOptions {
  adapter: CloudAdapter;
  bot: ClaimsBot;
  maxBodyBytes: number;
  health: () => Record<string, unknown>;
  /** Extra routes (the consent page, for one) registered by their own modules. */
  routes?: ReadonlyArray<(server: restify.Server) => void>;
}

export interface BotServer {
  server: restify.Server;
  /** Requests being handled right now. */
  inFlight(): number;
  /** Stops accepting connections and resolves once every request in flight has finished. */
  drain(timeoutMs: number): Promise<void>;
}

export function createServer(options: ServerOptions): BotServer {
  const server = restify.createServer({ name: 'cpor-claims-assistant', handleUncaughtExceptions: false });
  let inFlight = 0;
  server.pre((_req, res, next) => {
    inFlight += 1;
    res.once('close', () => (inFlight -= 1));
    next();
  });
  server.use(restify.plugins.bodyParser({ maxBodySize: options.maxBodyBytes, mapParams: false }));

  server.post('/api/messages', async (req, res) => {
    await options.adapter.process(req, res, (context) => options.bot.run(context));
  });
  server.get('/healthz', (_req, res, next) => {
    res.json({ status: 'ok', ...options.health() });
    next();
  });
  for (const register of options.routes ?? []) register(server);

  return {
    server,
    inFlight: () => inFlight,
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
