import http from 'node:http';
import { performance } from 'node:perf_hooks';

// Two load shapes, both bounded in time: a closed loop at fixed concurrency (throughput) and an
// open loop at a fixed, evenly spaced arrival rate (latency as users would see it under load).

export type Request = () => Promise<void>;

export interface ThroughputResult {
  requests: number;
  errors: number;
  /** What the first failed request said, so a row with errors tells why. */
  firstError?: string;
  perSecond: number;
}

export interface LatencyResult {
  requests: number;
  errors: number;
  firstError?: string;
  /** Requests still unanswered when the open loop stopped waiting (see OpenLoopOptions.drainMs). */
  unfinished?: number;
  p50Ms: number;
  p99Ms: number;
}

export const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

/** A connection per request: for requests seconds apart, longer than a server keeps an idle connection. */
export const freshConnections = new http.Agent({ keepAlive: false, maxSockets: 512 });

/** POSTs JSON and resolves with the status code once the response has been read. */
export async function postJson(url: string, body: unknown, via: http.Agent = agent): Promise<number> {
  return (await sendJson(url, body, false, via)).status;
}

/** POSTs JSON and resolves with the status code and the response body as text. */
export function postJsonForText(url: string, body: unknown, via: http.Agent = agent): Promise<{ status: number; text: string }> {
  return sendJson(url, body, true, via);
}

/** Without `keepBody` the response is drained unread, so the load generator stays cheap. */
function sendJson(url: string, body: unknown, keepBody: boolean, via: http.Agent): Promise<{ status: number; text: string }> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', agent: via, headers: { 'content-type': 'application/json', 'content-length': payload.length } },
      (response) => {
        const chunks: Buffer[] = [];
        if (keepBody) response.on('data', (chunk: Buffer) => chunks.push(chunk));
        else response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

export async function closedLoop(send: Request, concurrency: number, durationMs: number): Promise<ThroughputResult> {
  let requests = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const worker = async () => {
    while (performance.now() - started < durationMs) {
      try {
        await send();
        requests += 1;
      } catch (error) {
        errors += 1;
        firstError ??= reasonOf(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { requests, errors, ...(firstError ? { firstError } : {}), perSecond: requests / seconds };
}

export interface OpenLoopOptions {
  /**
   * After the last arrival, wait at most this long for the requests still in flight; each one
   * left then counts with the latency it had reached (a lower bound), and in `unfinished`.
   */
  drainMs?: number;
}

export async function openLoop(send: Request, perSecond: number, durationMs: number, options: OpenLoopOptions = {}): Promise<LatencyResult> {
  const interval = 1000 / perSecond;
  const total = Math.floor((durationMs / 1000) * perSecond);
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const inFlight = new Map<number, number>();
  const all: Promise<void>[] = [];
  for (let index = 0; index < total; index += 1) {
    const due = started + index * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    // Latency counts from the scheduled arrival, so a bot that falls behind is not flattered.
    inFlight.set(index, due);
    all.push(
      send().then(
        () => {
          if (inFlight.delete(index)) latencies.push(performance.now() - due);
        },
        (error: unknown) => {
          if (!inFlight.delete(index)) return;
          errors += 1;
          firstError ??= reasonOf(error);
        },
      ),
    );
  }
  const everything = Promise.all(all);
  let unfinished = 0;
  if (options.drainMs === undefined) await everything;
  else {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([everything, new Promise((resolve) => (timer = setTimeout(resolve, options.drainMs)))]);
    clearTimeout(timer);
    const now = performance.now();
    for (const due of inFlight.values()) latencies.push(now - due);
    unfinished = inFlight.size;
    inFlight.clear();
  }
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    ...(firstError ? { firstError } : {}),
    unfinished,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** The ratio of two figures run by run (run i of one to run i of the other), for their spread. */
export function runRatios(values: readonly number[], floors: readonly number[]): number[] {
  return values.slice(0, floors.length).map((value, index) => value / floors[index]!);
}

function reasonOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 300);
}
