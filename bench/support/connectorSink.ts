import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

// A stand-in Bot Connector for benchmarks: accepts every reply and answers at once, so the
// figures measure the bot, not the connector. While `capture` is on it also keeps the bodies it
// receives (used to check a scenario's reply before timing it; off while timing). While
// `timeline` is on it notes when each request arrived and for which conversation (the drain
// benchmark's rate and per-conversation windows), which costs next to nothing.

export interface SinkRequest {
  method: string;
  path: string;
  body: string;
}

/** One request as it arrived: `performance.now()` and the conversation its path names. */
export interface Arrival {
  at: number;
  method: string;
  /** Empty for a request that names no conversation (creating one). */
  conversationId: string;
}

export interface ConnectorSink {
  url: string;
  received(): number;
  /** Starts (true) or stops keeping request bodies; starting clears what was kept. */
  capture(on: boolean): void;
  captured(): readonly SinkRequest[];
  /** Starts (true) or stops noting arrivals; starting clears what was noted. */
  timeline(on: boolean): void;
  arrivals(): readonly Arrival[];
  close(): Promise<void>;
}

export async function startConnectorSink(): Promise<ConnectorSink> {
  let count = 0;
  let sequence = 0;
  let capturing = false;
  let noting = false;
  const kept: SinkRequest[] = [];
  const noted: Arrival[] = [];
  const server = http.createServer((request, response) => {
    if (noting) noted.push({ at: performance.now(), method: request.method ?? '', conversationId: conversationOf(request.url ?? '') });
    const chunks: Buffer[] = [];
    if (capturing) request.on('data', (chunk: Buffer) => chunks.push(chunk));
    else request.resume();
    request.on('end', () => {
      count += 1;
      sequence += 1;
      if (capturing) {
        kept.push({ method: request.method ?? '', path: request.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      }
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ id: `sink-${sequence}` }));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    received: () => count,
    capture: (on) => {
      capturing = on;
      kept.length = 0;
    },
    captured: () => kept,
    timeline: (on) => {
      noting = on;
      if (on) noted.length = 0;
    },
    arrivals: () => noted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The conversation of a Bot Connector path: /v3/conversations/{id}/activities[/{activityId}]. */
function conversationOf(path: string): string {
  const match = /\/v3\/conversations\/([^/?]+)/.exec(path);
  return match ? decodeURIComponent(match[1]!) : '';
}
