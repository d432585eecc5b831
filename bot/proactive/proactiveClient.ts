import type { TurnContext } from 'botbuilder';

// The Bot Connector client of a proactive turn (a new client per call, never the one serving
// user turns), made fit for the outbox:
// - No retries of its own: the Azure pipeline's "Retry" phase retries 429 and 5xx up to three
//   times, sleeping Retry-After. The outbox owns retries instead: every request must pass the rate
//   limiter, a 429 must slow the whole conversation, and attempts must be counted durably.
// - A timeout on every request, so a connector that never answers holds a conversation's lane
//   for that long at most; the send then counts as a failed attempt and backs off.
// If a future SDK changes the shape, this does nothing and the SDK's own behaviour remains.

interface PipelineLike {
  removePolicy(options: { phase?: string }): unknown;
  addPolicy(policy: { name: string; sendRequest(request: { timeout?: number }, next: (request: unknown) => Promise<unknown>): Promise<unknown> }): void;
}

export function prepareProactiveClient(context: TurnContext, timeoutMs: number): boolean {
  const connector: unknown = context.turnState.get(context.adapter.ConnectorClientKey);
  const client = (connector as { client?: { pipeline?: Partial<PipelineLike> } } | undefined)?.client;
  const pipeline = client?.pipeline;
  if (typeof pipeline?.removePolicy !== 'function' || typeof pipeline.addPolicy !== 'function') return false;
  pipeline.removePolicy({ phase: 'Retry' });
  pipeline.addPolicy({
    name: 'cporProactiveTimeout',
    sendRequest: (request, next) => {
      request.timeout = timeoutMs;
      return next(request);
    },
  });
  return true;
}
