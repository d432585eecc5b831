// What a failed call to the Bot Connector means for delivery (Teams "rate limiting" and
// "proactive messaging" guidance): retry after the server's delay (429), retry with backoff
// (412, 5xx, network), give up on this conversation for good (403 with a blocking code, 404),
// or give up on this message (any other 4xx).

export type ConnectorFailure =
  | { kind: 'throttled'; status: number; retryAfterMs: number | undefined; detail: string }
  | { kind: 'transient'; status: number | undefined; detail: string }
  | { kind: 'conversation-gone'; status: number; code: string; detail: string }
  | { kind: 'rejected'; status: number; code: string | undefined; detail: string };

/** 403 codes after which no message can reach the conversation until the user acts. */
export const BLOCKING_CODES = new Set(['ConversationBlockedByUser', 'BotNotInConversationRoster', 'BotDisabledByAdmin']);
const TRANSIENT_STATUSES = new Set([401, 408, 412, 500, 502, 503, 504]);

interface HeaderBag {
  get?(name: string): string | undefined;
}

interface RestErrorShape {
  statusCode?: unknown;
  code?: unknown;
  message?: unknown;
  response?: { status?: unknown; headers?: HeaderBag; bodyAsText?: unknown; parsedBody?: unknown };
}

export function classifyConnectorError(error: unknown, now: number): ConnectorFailure {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as RestErrorShape;
  const status = numberOf(shape.statusCode) ?? numberOf(shape.response?.status);
  const code = errorCodeOf(shape);
  const message = typeof shape.message === 'string' ? shape.message : String(error);
  const detail = `${status ?? 'network'}${code ? ` ${code}` : ''}: ${message}`.slice(0, 300);
  if (status === undefined) return { kind: 'transient', status, detail };
  if (status === 429) return { kind: 'throttled', status, retryAfterMs: retryAfterMs(shape.response?.headers, now), detail };
  if (status === 404) return { kind: 'conversation-gone', status, code: code ?? 'ConversationNotFound', detail };
  if (status === 403 && code && BLOCKING_CODES.has(code)) return { kind: 'conversation-gone', status, code, detail };
  if (TRANSIENT_STATUSES.has(status) || status >= 500) return { kind: 'transient', status, detail };
  return { kind: 'rejected', status, code, detail };
}

/** `Retry-After` as delta-seconds or an HTTP date, in milliseconds from `now`. */
export function retryAfterMs(headers: HeaderBag | undefined, now: number): number | undefined {
  const value = headers?.get?.('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Exponential backoff with jitter: between half and all of base x 2^(attempt-1), capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.max(1, Math.round(ceiling * (0.5 + random() / 2)));
}

function errorCodeOf(shape: RestErrorShape): string | undefined {
  const parsed = shape.response?.parsedBody as { error?: { code?: unknown } } | undefined;
  if (typeof parsed?.error?.code === 'string') return parsed.error.code;
  const text = shape.response?.bodyAsText;
  if (typeof text === 'string' && text.startsWith('{')) {
    try {
      const body = JSON.parse(text) as { error?: { code?: unknown } };
      if (typeof body.error?.code === 'string') return body.error.code;
    } catch {
      // Not JSON after all: fall through to the error's own code.
    }
  }
  return typeof shape.code === 'string' && !/^\d+$/.test(shape.code) ? shape.code : undefined;
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
