import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// The playground (0.2.28) writes `locale: "en-US"` into the activities it sends (message, invoke,
// installation update, and their clientInfo entity; its conversation update has none), whatever
// the browser's or the machine's language. Real Teams sends the user's client language there. To run the journey
// as a Spanish-speaking Teams user, this proxy sits between the playground and the bot and
// rewrites those two fields to the chosen locale; everything else passes through unchanged. The
// bot answers the playground directly (the activity's serviceUrl), never through here.

export interface LocaleProxy {
  /** The messaging endpoint to give the playground (`-e`). */
  endpoint: string;
  /** How many activities were rewritten. */
  rewritten(): number;
  stop(): Promise<void>;
}

interface ActivityLike {
  type?: unknown;
  locale?: unknown;
  entities?: unknown;
}

export function withLocale(body: unknown, locale: string): { body: unknown; changed: boolean } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { body, changed: false };
  const activity = { ...(body as ActivityLike) };
  let changed = false;
  // Its conversation and installation updates carry no locale at all; Teams sends the client's.
  if (typeof activity.locale === 'string' || typeof activity.type === 'string') {
    activity.locale = locale;
    changed = true;
  }
  if (Array.isArray(activity.entities)) {
    activity.entities = activity.entities.map((entity: unknown) => {
      if (typeof entity === 'object' && entity !== null && (entity as { type?: unknown }).type === 'clientInfo') {
        changed = true;
        return { ...(entity as object), locale };
      }
      return entity;
    });
  }
  return { body: activity, changed };
}

async function readBody(message: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startLocaleProxy(target: string, locale: string): Promise<LocaleProxy> {
  const targetUrl = new URL(target);
  let rewritten = 0;
  const server: Server = createServer((incoming, outgoing) => {
    void (async () => {
      let payload = await readBody(incoming);
      if ((incoming.headers['content-type'] ?? '').includes('application/json') && payload.length > 0) {
        const parsed = withLocale(JSON.parse(payload.toString('utf8')) as unknown, locale);
        if (parsed.changed) rewritten += 1;
        payload = Buffer.from(JSON.stringify(parsed.body), 'utf8');
      }
      const headers = { ...incoming.headers, host: targetUrl.host, 'content-length': String(payload.length) };
      const forward = request({ hostname: targetUrl.hostname, port: targetUrl.port, path: incoming.url, method: incoming.method, headers }, (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      });
      forward.on('error', (error) => {
        if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
        outgoing.end(`proxy: ${error.message}`);
      });
      forward.end(payload);
    })().catch((error: unknown) => {
      if (!outgoing.headersSent) outgoing.writeHead(400, { 'content-type': 'text/plain' });
      outgoing.end(`proxy: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((done, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}${targetUrl.pathname}`,
    rewritten: () => rewritten,
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
