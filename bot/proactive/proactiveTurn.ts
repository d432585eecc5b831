import type { ConversationParameters, ConversationReference, TurnContext } from 'botbuilder';

// botbuilder runs a proactive callback through the adapter's middleware, and when the adapter
// has an `onTurnError` (the running app always does) a failure inside the callback goes to that
// handler instead of to the caller: a 403 or 429 from the connector would look like a success.
// These wrappers keep the failure and rethrow it after the call, so delivery sees every answer.

/** What proactive messaging needs of botbuilder's CloudAdapter. */
export interface ProactiveAdapter {
  continueConversationAsync(botAppId: string, reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void>;
  createConversationAsync(
    botAppId: string,
    channelId: string,
    serviceUrl: string,
    audience: string | undefined,
    conversationParameters: ConversationParameters,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<void>;
}

export async function continueConversation(
  adapter: ProactiveAdapter,
  appId: string,
  reference: Partial<ConversationReference>,
  logic: (context: TurnContext) => Promise<void>,
): Promise<void> {
  const outcome: { failed: boolean; error?: unknown } = { failed: false };
  await adapter.continueConversationAsync(appId, reference, capture(logic, outcome));
  if (outcome.failed) throw outcome.error;
}

export async function createConversation(
  adapter: ProactiveAdapter,
  ...[appId, channelId, serviceUrl, audience, parameters, logic]: Parameters<ProactiveAdapter['createConversationAsync']>
): Promise<void> {
  const outcome: { failed: boolean; error?: unknown } = { failed: false };
  await adapter.createConversationAsync(appId, channelId, serviceUrl, audience, parameters, capture(logic, outcome));
  if (outcome.failed) throw outcome.error;
}

function capture(logic: (context: TurnContext) => Promise<void>, outcome: { failed: boolean; error?: unknown }): (context: TurnContext) => Promise<void> {
  return async (context) => {
    try {
      await logic(context);
    } catch (error) {
      outcome.failed = true;
      outcome.error = error;
    }
  };
}
