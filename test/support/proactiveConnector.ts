import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A stand-in for the Teams Bot Connector (the serviceUrl of every stored reference in the
// proactive tests): records every request with a timestamp (from an injectable clock, so a
// virtual-time test can assert rate limits on virtual instants) and answers from a script per
// conversation, 200/201 otherwise.

export interface ScriptedResponse {
  status: number;
  /** Teams error code in the body, e.g. ConversationBlockedByUser. */
  code?: string;
  headers?: Record<string, string>;
  /** Never answer (the request stays open until the stand-in closes): a crash mid-send. */
  hang?: boolean;
}

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  /** The conversation in the path (decoded), if any. */
  conversationId: string | undefined;
  activityId: string | undefined;
  body: unknown;
  status: number;
}

export class ProactiveConnector {
  readonly requests: RecordedRequest[] = [];
  private readonly scripts = new Map<string, ScriptedResponse[]>();
  private readonly hanging = new Set<ServerResponse>();
  private counter = 0;

  private constructor(
    private readonly server: Server,
    readonly serviceUrl: string,
    private readonly now: () => number,
  ) {}

  static async start(options: { now?: () => number } = {}): Promise<ProactiveConnector> {
    const holder: { connector?: ProactiveConnector } = {};
    const server = createServer((request, response) => void holder.connector!.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.connector = new ProactiveConnector(server, `http://127.0.0.1:${port}/`, options.now ?? Date.now);
    return holder.connector;
  }

  /** The next answers for requests to `conversationId` (or '*' for any conversation). */
  script(conversationId: string, ...responses: ScriptedResponse[]): void {
    this.scripts.set(conversationId, [...(this.scripts.get(conversationId) ?? []), ...responses]);
  }

  /** Messages posted (accepted or not) to one conversation, or to all. */
  posts(conversationId?: string): RecordedRequest[] {
    return this.requests.filter(
      (request) =>
        request.method === 'POST' &&
        request.activityId === undefined &&
        request.conversationId !== undefined &&
        (conversationId === undefined || request.conversationId === conversationId),
    );
  }

  /** Accepted messages whose card text contains `marker`. */
  delivered(marker: string): RecordedRequest[] {
    return this.posts().filter((request) => request.status < 300 && JSON.stringify(request.body).includes(marker));
  }

  updates(): RecordedRequest[] {
    return this.requests.filter((request) => request.method === 'PUT');
  }

  async close(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const at = this.now();
    let text = '';
    for await (const chunk of request) text += String(chunk);
    const path = request.url ?? '/';
    const match = /^\/v3\/conversations(?:\/([^/]+)\/activities(?:\/([^/]+))?)?\/?$/.exec(path.split('?')[0]!);
    const conversationId = match?.[1] ? decodeURIComponent(match[1]) : undefined;
    const activityId = match?.[2] && request.method === 'PUT' ? decodeURIComponent(match[2]) : undefined;
    const scripted = this.nextScripted(conversationId);
    const status = scripted?.status ?? (match && !conversationId ? 201 : 200);
    this.requests.push({ at, method: request.method ?? 'GET', path, conversationId, activityId, body: parse(text), status });
    if (scripted?.hang) {
      this.hanging.add(response);
      return;
    }
    this.counter += 1;
    const body =
      status >= 300
        ? { error: { code: scripted?.code ?? 'ServiceError', message: `scripted ${status}` } }
        : conversationId
          ? { id: activityId ?? `activity-${this.counter}` }
          : { id: `a:created-${this.counter}` };
    response.writeHead(status, { 'content-type': 'application/json', ...scripted?.headers });
    response.end(JSON.stringify(body));
  }

  private nextScripted(conversationId: string | undefined): ScriptedResponse | undefined {
    for (const key of [conversationId ?? '', '*']) {
      const queue = this.scripts.get(key);
      if (queue && queue.length > 0) return queue.shift();
    }
    return undefined;
  }
}

function parse(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}
