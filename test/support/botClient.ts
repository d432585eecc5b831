import { randomUUID } from 'node:crypto';

// Sends Teams-shaped activities to a running bot over HTTP, as the Bot Connector would (without
// a token: the bot under test runs without an app id). Message activities get 200/202 and no
// body; invoke activities return the invoke response body (for `adaptiveCard/action`, an
// AdaptiveCardInvokeResponse: statusCode, type, value).

export interface TeamsUser {
  /** The AAD object id (`from.aadObjectId`). */
  aadObjectId: string;
  tenantId: string;
  /** The Teams user id (`from.id`, 29:...); derived from the AAD id when not given. */
  id?: string;
  name?: string;
  /** Teams client locale, e.g. es-ES. */
  locale?: string;
  /** IANA time zone of the client, sent in the clientInfo entity. */
  timeZone?: string;
}

export interface BotClientOptions {
  /** The bot's messaging endpoint, e.g. http://127.0.0.1:3978/api/messages. */
  botUrl: string;
  /** Where the bot should send replies: a ConnectorStandIn's url. */
  serviceUrl: string;
  /** The conversation the activities belong to; a personal chat by default. */
  conversationId?: string;
  conversationType?: 'personal' | 'groupChat' | 'channel';
}

export interface HttpResult<T = unknown> {
  status: number;
  body: T;
}

export interface InvokeResponseBody {
  statusCode: number;
  type: string;
  value: unknown;
}

export class BotClient {
  constructor(private readonly options: BotClientOptions) {}

  /** Teams' id for the user, as used in card `refresh.userIds`. */
  static teamsIdOf(user: TeamsUser): string {
    return user.id ?? `29:${user.aadObjectId}`;
  }

  async message(user: TeamsUser, text: string, extra: Record<string, unknown> = {}): Promise<HttpResult> {
    return this.send({ ...this.activity(user, 'message'), text, ...extra });
  }

  async invoke<T = unknown>(user: TeamsUser, name: string, value: unknown, extra: Record<string, unknown> = {}): Promise<HttpResult<T>> {
    return this.send<T>({ ...this.activity(user, 'invoke'), name, value, ...extra });
  }

  /** A Universal Action click (`trigger: manual`) or refresh (`automatic`) on the card `replyToId`. */
  async cardAction(
    user: TeamsUser,
    action: { verb: string; data: unknown; trigger?: 'manual' | 'automatic' },
    options: { replyToId?: string } = {},
  ): Promise<HttpResult<InvokeResponseBody>> {
    return this.invoke<InvokeResponseBody>(
      user,
      'adaptiveCard/action',
      { action: { type: 'Action.Execute', id: randomUUID(), verb: action.verb, data: action.data }, trigger: action.trigger ?? 'manual' },
      options.replyToId ? { replyToId: options.replyToId } : {},
    );
  }

  /** A Teams activity of `type` from `user`, with tenant, locale and time zone where Teams puts them. */
  activity(user: TeamsUser, type: string): Record<string, unknown> {
    const conversationId = this.options.conversationId ?? `a:personal-${user.aadObjectId}`;
    return {
      type,
      id: randomUUID(),
      timestamp: new Date().toISOString(),
      channelId: 'msteams',
      serviceUrl: this.options.serviceUrl,
      from: { id: BotClient.teamsIdOf(user), name: user.name ?? user.aadObjectId, aadObjectId: user.aadObjectId },
      recipient: { id: '28:cpor-bot', name: 'CPOR Claims Assistant' },
      conversation: { id: conversationId, conversationType: this.options.conversationType ?? 'personal', tenantId: user.tenantId },
      channelData: { tenant: { id: user.tenantId } },
      locale: user.locale ?? 'en-US',
      entities: [{ type: 'clientInfo', locale: user.locale ?? 'en-US', timezone: user.timeZone ?? 'UTC' }],
    };
  }

  private async send<T>(activity: Record<string, unknown>): Promise<HttpResult<T>> {
    const response = await fetch(this.options.botUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(activity),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
}
