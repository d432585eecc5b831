import type { TurnContext } from 'botbuilder';

// Pasted images sit on the Bot Framework connector and need the bot's own token, the same the
// turn's connector client uses. SharePoint download links are pre-authorized and never get it.

interface TokenSource {
  getToken(forceRefresh?: boolean): Promise<string>;
}

function isTokenSource(value: unknown): value is TokenSource {
  return typeof value === 'object' && value !== null && typeof (value as { getToken?: unknown }).getToken === 'function';
}

/** `Bearer <token>` from the turn's connector client, or undefined (unauthenticated local mode). */
export async function connectorAuthorization(context: TurnContext): Promise<string | undefined> {
  const client: unknown = context.turnState.get(context.adapter.ConnectorClientKey);
  const credentials = (client as { credentials?: unknown } | undefined)?.credentials;
  if (!isTokenSource(credentials)) return undefined;
  const token = await credentials.getToken();
  return token ? `Bearer ${token}` : undefined;
}
