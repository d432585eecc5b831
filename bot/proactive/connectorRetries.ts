import type { TurnContext } from 'botbuilder';

// The Bot Connector client retries 429 and 5xx on its own (the Azure pipeline's "Retry" phase:
// up to three times, sleeping Retry-After). For proactive sends the outbox owns retries: every
// HTTP request must pass the rate limiter, a 429 must slow the whole conversation, attempts must
// be counted durably, and a throttled conversation must not hold a worker. So the proactive turn
// removes that phase from its own connector client (a new client per continueConversationAsync
// call, never the one serving user turns). If a future SDK changes the shape, this is a no-op and
// the SDK's retries simply come on top of ours.

interface PipelineLike {
  removePolicy(options: { phase?: string }): unknown;
}

export function disableSdkRetries(context: TurnContext): boolean {
  const connector: unknown = context.turnState.get(context.adapter.ConnectorClientKey);
  const client = (connector as { client?: { pipeline?: Partial<PipelineLike> } } | undefined)?.client;
  const pipeline = client?.pipeline;
  if (typeof pipeline?.removePolicy !== 'function') return false;
  pipeline.removePolicy({ phase: 'Retry' });
  return true;
}
