import type * as AzureIdentity from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import type * as GraphSdk from '@microsoft/microsoft-graph-client';
import type { Client, Context, Middleware } from '@microsoft/microsoft-graph-client';
import type * as GraphAuth from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { createRequire } from 'node:module';
import type { Clock } from '../clock.js';

// A Microsoft Graph client for app-only calls: a bearer token from a TokenCredential, retries on
// 429/503/504 honouring Retry-After (bounded), and a timeout on every attempt.

// The SDK is required when a client is made rather than imported: a bot on the roster directory,
// the embedded default, then never loads it.
const requireHere = createRequire(import.meta.url);
const graphSdk = (): typeof GraphSdk => requireHere('@microsoft/microsoft-graph-client') as typeof GraphSdk;
const graphAuth = (): typeof GraphAuth => requireHere('@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js') as typeof GraphAuth;
// @azure/identity too: botbuilder holds its CommonJS build, and an import would load its ES module
// build beside it, a second copy of it and of the Azure packages under it (3.7 MB of heap).
const azureIdentity = (): typeof AzureIdentity => requireHere('@azure/identity') as typeof AzureIdentity;

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** The app registration's own credential (client credentials), for app-only calls. */
export function clientSecretCredential(tenantId: string, clientId: string, clientSecret: string): TokenCredential {
  return new (azureIdentity().ClientSecretCredential)(tenantId, clientId, clientSecret);
}

export interface GraphClientOptions {
  /** e.g. https://graph.microsoft.com, or a local stand-in in tests. */
  baseUrl: string;
  /** ClientSecretCredential in production; any TokenCredential in tests. */
  credential: TokenCredential;
  timeoutMs: number;
  maxRetries: number;
  /** A Retry-After longer than this is not waited for: the call fails and the user retries. */
  maxRetryAfterSeconds: number;
  /** Turns a Retry-After date into a wait. */
  clock: Clock;
}

/**
 * Adds the bearer token to every request. The SDK's AuthenticationHandler only authenticates
 * https requests to hosts it knows, and this client only ever calls its configured base URL
 * (https, or http on localhost for a stand-in), so the token goes on every request.
 */
class BearerTokenHandler implements Middleware {
  private next: Middleware | undefined;

  constructor(private readonly provider: GraphAuth.TokenCredentialAuthenticationProvider) {}

  async execute(context: Context): Promise<void> {
    const token = await this.provider.getAccessToken();
    const headers = new Headers(context.options?.headers as ConstructorParameters<typeof Headers>[0]);
    headers.set('Authorization', `Bearer ${token}`);
    context.options = { ...context.options, headers: Object.fromEntries(headers.entries()) };
    await this.next!.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

/** Aborts one attempt after `timeoutMs`; sits below the retry handler so each attempt gets its own. */
class TimeoutHandler implements Middleware {
  private next: Middleware | undefined;

  constructor(private readonly timeoutMs: number) {}

  async execute(context: Context): Promise<void> {
    context.options = { ...context.options, signal: AbortSignal.timeout(this.timeoutMs) };
    await this.next!.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

export function retryAfterSeconds(response: Response, now: Date): number | undefined {
  const header = response.headers?.get('Retry-After');
  if (header === null || header === undefined) return undefined;
  const seconds = Number(header);
  if (!Number.isNaN(seconds)) return seconds;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now.getTime()) / 1000);
}

export function createGraphClient(options: GraphClientOptions): Client {
  const { Client, HTTPMessageHandler, RetryHandler, RetryHandlerOptions } = graphSdk();
  const provider = new (graphAuth().TokenCredentialAuthenticationProvider)(options.credential, { scopes: [GRAPH_SCOPE] });
  const retryOptions = new RetryHandlerOptions(1, options.maxRetries, (_delay, _attempt, _request, _options, response) => {
    const wait = retryAfterSeconds(response, options.clock.now());
    return wait === undefined || wait <= options.maxRetryAfterSeconds;
  });
  const chain: Middleware[] = [
    new BearerTokenHandler(provider),
    new RetryHandler(retryOptions),
    new TimeoutHandler(options.timeoutMs),
    new HTTPMessageHandler(),
  ];
  return Client.initWithMiddleware({ baseUrl: options.baseUrl, defaultVersion: 'v1.0', middleware: chain });
}
