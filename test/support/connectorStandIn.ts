import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A local stand-in for the Bot Connector service: point an activity's `serviceUrl` at `url` and
// everything the bot sends (replies, proactive messages, card updates) lands here, recorded in
// order. It answers like the connector (POST activity -> 200 {id}, PUT -> 200 {id}, POST
// /v3/conversations -> 200 {id, activityId}); `script` makes chosen requests fail instead.

export interface RecordedRequest {
  method: string;
  /** The path without query string, e.g. /v3/conversations/a:1/activities/123. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
  /** What the stand-in answered; 0 when the caller gave up before the (delayed) answer. */
  status: number;
  /** When the request arrived (ms since the epoch, the process clock). */
  at: number;
}

export interface ScriptedResponse {
  status: number;
  body?: unknown;
  /** Delay before answering, in milliseconds. */
  delayMs?: number;
  /** Extra response headers, e.g. Retry-After. */
  headers?: Record<string, string>;
}

interface Script {
  method?: string;
  path?: string | RegExp;
  response: ScriptedResponse;
  remaining: number;
}

const ACTIVITIES = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/;

export class ConnectorStandIn {
  readonly requests: RecordedRequest[] = [];
  private readonly scripts: Script[] = [];
  private sequence = 0;

  private constructor(private readonly server: Server) {}

  /** Starts on a free port of 127.0.0.1. */
  static async start(): Promise<ConnectorStandIn> {
    const server = createServer();
    const standIn = new ConnectorStandIn(server);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on(
        'end',
        () => void standIn.answer(request.method ?? 'GET', request.url ?? '/', request.headers, Buffer.concat(chunks).toString('utf8'), response),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  /** The base URL to use as `serviceUrl`, with a trailing slash as Teams sends it. */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/`;
  }

  /**
   * Answers the next `times` requests matching `method` and `path` (a string matches when the
   * path contains it) with `response` instead of the usual answer.
   */
  script(match: { method?: string; path?: string | RegExp }, response: ScriptedResponse, times = 1): void {
    this.scripts.push({ ...match, response, remaining: times });
  }

  /** Activities the bot sent (POST to a conversation's activities), in order. */
  sent(): RecordedRequest[] {
    return this.requests.filter((request) => request.method === 'POST' && ACTIVITIES.test(request.path));
  }

  /** Card updates (PUT of an activity), in order. */
  updates(): RecordedRequest[] {
    return this.requests.filter((request) => request.method === 'PUT' && ACTIVITIES.test(request.path));
  }

  /** Waits until `predicate` holds for the recorded requests, or fails after `timeoutMs`. */
  async waitFor(predicate: (requests: readonly RecordedRequest[]) => boolean, timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.requests)) {
      if (Date.now() > deadline) throw new Error(`connector stand-in: condition not met within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  clear(): void {
    this.requests.length = 0;
    this.scripts.length = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async answer(method: string, url: string, headers: IncomingHttpHeaders, text: string, response: ServerResponse): Promise<void> {
    const path = url.split('?')[0] ?? url;
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: keep the text.
    }
    const scripted = this.takeScript(method, path);
    const { status, body: answer } = scripted ?? this.usualAnswer(method, path);
    const record: RecordedRequest = { method, path, headers, body, status, at: Date.now() };
    this.requests.push(record);
    let answered = false;
    // A caller that gives up on a delayed answer closes the connection: nothing was accepted.
    response.once('close', () => {
      if (!answered) record.status = 0;
    });
    if (scripted?.delayMs) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
    if (record.status === 0) return;
    answered = true;
    response.writeHead(status, { 'content-type': 'application/json', ...scripted?.headers });
    response.end(answer === undefined ? '' : JSON.stringify(answer));
  }

  private takeScript(method: string, path: string): ScriptedResponse | undefined {
    const script = this.scripts.find(
      (candidate) =>
        candidate.remaining > 0 &&
        (!candidate.method || candidate.method.toUpperCase() === method) &&
        (!candidate.path || (typeof candidate.path === 'string' ? path.includes(candidate.path) : candidate.path.test(path))),
    );
    if (!script) return undefined;
    script.remaining -= 1;
    return script.response;
  }

  private usualAnswer(method: string, path: string): ScriptedResponse {
    const activity = ACTIVITIES.exec(path);
    if (activity && method === 'POST') return { status: 200, body: { id: `activity-${++this.sequence}` } };
    if (activity && method === 'PUT') return { status: 200, body: { id: decodeURIComponent(activity[2] ?? '') } };
    if (activity && method === 'DELETE') return { status: 200 };
    if (path === '/v3/conversations' && method === 'POST') {
      const id = `conversation-${++this.sequence}`;
      return { status: 200, body: { id, activityId: `activity-${++this.sequence}` } };
    }
    if (/^\/v3\/conversations\/[^/]+\/members/.test(path) && method === 'GET') return { status: 200, body: [] };
    return { status: 404, body: { error: { code: 'NotFound', message: `${method} ${path}` } } };
  }
}
