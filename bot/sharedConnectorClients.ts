import {
  BotFrameworkAuthentication,
  ConnectorFactory,
  JwtTokenValidation,
  type AuthenticateRequestResult,
  type BotFrameworkClient,
  type ClaimsIdentity,
  type ConnectorClient,
  type UserTokenClient,
} from 'botframework-connector';
import type { Activity } from 'botbuilder';
import { RecentlyUsed } from '../services/store/recentlyUsed.js';

// botbuilder builds a new ConnectorClient and UserTokenClient, each with its own HTTP pipeline, for
// every turn: about a twentieth of an approve's time on the event loop. They keep nothing of a turn
// (their credentials fetch and renew tokens themselves), so the clients of turns are made once per
// app id, service URL and audience and shared, as botbuilder's older BotFrameworkAdapter did.
// A proactive send still gets a client of its own: the outbox changes its pipeline
// (proactive/proactiveClient.ts), which must not reach the replies of user turns.

/** Clients kept; the least recently used goes first (a service URL comes from the activity). */
const CLIENTS_KEPT = 64;

/** BotFrameworkAuthentication whose clients for turns (connector and user token) are made once and shared. */
export class SharedConnectorClients extends BotFrameworkAuthentication {
  private readonly clients = new RecentlyUsed<Promise<ConnectorClient | UserTokenClient>>(CLIENTS_KEPT);

  constructor(private readonly inner: BotFrameworkAuthentication) {
    super();
  }

  async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    return this.withSharedClients(await this.inner.authenticateRequest(activity, authHeader));
  }

  async authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    return this.withSharedClients(await this.inner.authenticateStreamingRequest(authHeader, channelIdHeader));
  }

  createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.inner.createConnectorFactory(claimsIdentity);
  }

  createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    const key = `token\u0000${appIdOf(claimsIdentity)}`;
    return this.kept(key, () => this.inner.createUserTokenClient(claimsIdentity)) as Promise<UserTokenClient>;
  }

  override createBotFrameworkClient(): BotFrameworkClient {
    return this.inner.createBotFrameworkClient();
  }

  override getOriginatingAudience(): string {
    return this.inner.getOriginatingAudience();
  }

  override authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    return this.inner.authenticateChannelRequest(authHeader);
  }

  private withSharedClients(result: AuthenticateRequestResult): AuthenticateRequestResult {
    return result.connectorFactory ? { ...result, connectorFactory: this.sharing(result.connectorFactory, result.claimsIdentity) } : result;
  }

  /** `factory` (made for one identity: only its app id matters), answering with shared clients. */
  private sharing(factory: ConnectorFactory, claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return new SharingConnectorFactory(factory, appIdOf(claimsIdentity), (key, make) => this.kept(key, make));
  }

  private kept<T extends ConnectorClient | UserTokenClient>(key: string, make: () => Promise<T>): Promise<T> {
    const found = this.clients.get(key);
    if (found) return found as Promise<T>;
    const made = make();
    this.clients.set(key, made);
    // A client that could not be made is made again next time.
    made.catch(() => this.clients.delete(key, made));
    return made;
  }
}

/** Answers `create` with the client kept under the app id, service URL and audience. */
class SharingConnectorFactory extends ConnectorFactory {
  constructor(
    private readonly inner: ConnectorFactory,
    private readonly appId: string,
    private readonly kept: (key: string, make: () => Promise<ConnectorClient>) => Promise<ConnectorClient>,
  ) {
    super();
  }

  create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    const key = `connector\u0000${this.appId}\u0000${serviceUrl}\u0000${audience ?? ''}`;
    return this.kept(key, () => this.inner.create(serviceUrl, audience));
  }
}

function appIdOf(claimsIdentity: ClaimsIdentity): string {
  return JwtTokenValidation.getAppIdFromClaims(claimsIdentity.claims ?? []) ?? '';
}
