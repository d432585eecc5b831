import http from 'node:http';
import type { AddressInfo } from 'node:net';

// A stand-in Bot Connector for benchmarks: accepts every reply and answers at once, so the
// figures measure the bot, not the connector. While `capture` is on it also keeps the bodies it
// receives (used to check a scenario's reply before timing it; off while timing).

export interface SinkRequest {
  method: string;
  path: string;
  body: string;
}

export interface ConnectorSink {
  url: string;
  received(): number;
  /** Starts (true) or stops keeping request bodies; starting clears what was kept. */
  capture(on: boolean): void;
  captured(): readonly SinkRequest[];
  close(): Promise<void>;
}

export async function startConnectorSink(): Promise<ConnectorSink> {
  let count = 0;
  let sequence = 0;
  let capturing = false;
  const kept: SinkRequest[] = [];
  const server = http.createServer((request, response) => {
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
