import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import { renderAlert, renderClaimCard } from '../cards/index.js';
import { translatorFor } from '../cards/i18n/i18n.js';
import { DialogFlows } from '../dialogs/conversationFlows.js';
import { PoeFiles } from '../poe/poeFiles.js';
import { ClaimService } from '../services/claimService.js';
import { systemClock, type Clock } from '../services/clock.js';
import { openConsentLinks } from '../consent/openConsent.js';
import type { Directory } from '../services/directory/directory.js';
import { loadDirectoryConfig } from '../services/directory/directoryConfig.js';
import { openDirectory } from '../services/directory/openDirectory.js';
import type { ClaimRepository } from '../services/claimRepository.js';
import type { Alert } from '../services/model.js';
import { createPolicy } from '../services/policy.js';
import type { Action } from '../services/lifecycle.js';
import type { PoeChecker } from '../services/precheck.js';
import { PrecheckRunner } from '../services/precheckRunner.js';
import { createPoeChecker } from '../poe/precheck/checker.js';
import { keepDataPrivate } from '../services/store/privateFiles.js';
import { openStorage } from '../storage/openStorage.js';
import { ActorResolver } from './actorResolver.js';
import { RosterChatCommands } from './adminCommands.js';
import { ClaimSearchExtension } from './claimSearch.js';
import { CardActions, reviewerChoicesFor } from './cardActions.js';
import { ClaimsBot } from './claimsBot.js';
import type { BotConfig } from './config.js';
import { createConsentMailer } from '../consent/consentMail.js';
import { consentFactsFromAlert } from '../consent/consentMailNotice.js';
import { registerConsentRoutes } from '../consent/consentPage.js';
import { PoeLinks } from '../poe/poeLinks.js';
import { registerPoeRoutes } from '../poe/poeFileRoute.js';
import { createTabAuthenticator } from '../tab/tabAuth.js';
import { loadTabSignIn } from '../tab/tabConfig.js';
import { registerTabRoutes } from '../tab/tabRoutes.js';
import { CardCopies } from './proactive/cardCopies.js';
import { cardClickedBy } from './proactive/clickedCard.js';
import { ConversationLanes } from './proactive/conversationLanes.js';
import { ConversationReferenceStore } from './proactive/conversationReferences.js';
import { proactiveHealth } from './proactive/health.js';
import { alertStateFrom, OutboxDelivery } from './proactive/outboxDelivery.js';
import { loadProactiveConfig } from './proactive/proactiveConfig.js';
import { ProactiveHooks } from './proactive/proactiveHooks.js';
import { actorOfReader, delegationNote, toViewer } from './proactive/recipients.js';
import { ReviewerDelegations } from '../services/reviewers/delegations.js';
import { ReviewerChoices } from './reviewerChoices.js';
import { AwayActions } from './awayActions.js';
import { TickScheduler } from './proactive/scheduler.js';
import { createServer, type BotServer } from './server.js';
import { SharedConnectorClients } from './sharedConnectorClients.js';
import { TeamsAdapter } from './teamsAdapter.js';

// The composition root: builds every part from configuration, wires them together, starts the
// server, the scheduler and the delivery worker, and stops them in order.

export type Log = (message: string, error?: unknown) => void;

export interface AppOptions {
  config: BotConfig;
  /** The rest of the environment (directory, delivery settings), read by their own modules. */
  environment?: NodeJS.ProcessEnv;
  clock?: Clock;
  log?: Log;
  /** Tests: a directory standing in for the roster or Graph. */
  directory?: Directory;
  /** Tests: where PoE files may be downloaded from (production keeps Teams' and SharePoint's hosts). */
  poeDownload?: { allowedHosts: readonly string[]; allowHttp: boolean };
  /**
   * The PoE pre-check (issue 18): the checker that reads a file's text, and how often open claims
   * are swept for files without a current report. Without it the pre-check is off.
   */
  precheck?: { checker: PoeChecker; sweepIntervalMs?: number };
}

export interface RunningApp {
  /** Where this machine reaches the bot. */
  url: string;
  /** The address really bound, for the start-up banner. */
  listening: string;
  port: number;
  claims: ClaimService;
  repository: ClaimRepository;
  server: BotServer;
  /** Present when the pre-check is on. */
  precheck?: PrecheckRunner;
  stop(): Promise<void>;
}

const DRAIN_TIMEOUT_MS = 10_000;
/** Sweeps catch files no instance looked at (one stopped first); a change here is looked at at once. */
const PRECHECK_SWEEP_MS = 15 * 60_000;

export async function startApp(options: AppOptions): Promise<RunningApp> {
  const { config } = options;
  const environment: NodeJS.ProcessEnv = { ...(options.environment ?? process.env), DATA_DIR: config.dataDir };
  const log: Log = options.log ?? ((message, error) => console.error(`[cpor] ${message}`, error ?? ''));
  await mkdir(config.dataDir, { recursive: true });
  await keepDataPrivate(config.dataDir);

  const policy = createPolicy({ name: config.CPOR_POLICY, timeZone: config.CPOR_TIME_ZONE, holidays: config.CPOR_HOLIDAYS });
  // One clock for every part that reads time: the service, scheduler, delivery, links and caches.
  const clock = options.clock ?? systemClock;
  const directoryConfig = loadDirectoryConfig(environment);
  const storage = await openStorage(
    {
      engine: config.STORE,
      dataDir: config.dataDir,
      rosterFile: directoryConfig.rosterFile,
      auditFile: directoryConfig.auditFile,
      ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
      poolSize: config.DATABASE_POOL_SIZE,
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
      startupWaitMs: config.DATABASE_START_WAIT_SECONDS * 1000,
    },
    { clock, log },
  );
  const repository = storage.claims;
  const claims = new ClaimService({ repository, policy, clock, instanceId: config.instanceId });

  const directoryServices = await openDirectory(directoryConfig, { clock, rosterStorage: storage.roster });
  const actors = new ActorResolver(options.directory ?? directoryServices.directory, clock, log);
  const consentLinks = await openConsentLinks(directoryConfig, storage);
  // Without PUBLIC_BASE_URL, links name the port really bound (PORT may be 0, or differ from the
  // environment's when a launcher picks it).
  const listeningOn: { port?: number } = {};
  const poeLinks = new PoeLinks({
    // One key for every signed link; the audience keeps a consent link from opening a file.
    tokens: consentLinks.tokens,
    clock,
    baseUrl: () => (environment.PUBLIC_BASE_URL || listeningOn.port === undefined ? directoryConfig.publicBaseUrl : `http://localhost:${listeningOn.port}`),
  });
  const consentMailer = createConsentMailer({
    config: directoryConfig,
    tokens: consentLinks.tokens,
    ...(directoryServices.graphClient ? { graphClient: directoryServices.graphClient } : {}),
    blobs: storage.blobs,
    defaultLocale: config.DEFAULT_LOCALE,
    timeZone: policy.timeZone,
    clock,
  });

  const adapter = new TeamsAdapter(
    new SharedConnectorClients(
      new ConfigurationBotFrameworkAuthentication({
        MicrosoftAppId: config.MicrosoftAppId ?? '',
        MicrosoftAppPassword: config.MicrosoftAppPassword ?? '',
        MicrosoftAppType: config.MicrosoftAppType,
        MicrosoftAppTenantId: config.MicrosoftAppTenantId ?? '',
      }),
    ),
  );
  adapter.onTurnError = async (context: TurnContext, error: unknown) => {
    log('turn failed', error);
    // An invoke gets its answer from the handler; only a message turn can be told here.
    if (context.activity.type === 'message' && !context.responded) {
      await context.sendActivity(translatorFor(context.activity.locale).t('errors.unexpected')).catch(() => undefined);
    }
  };

  const delivery = loadProactiveConfig(environment);
  const appId = config.MicrosoftAppId ?? '';
  const references = await ConversationReferenceStore.open(storage.documents, { clock, defaultLocale: config.DEFAULT_LOCALE });
  const delegations = await ReviewerDelegations.open(storage.documents, clock);
  const reviewerChoices = new ReviewerChoices(options.directory ?? directoryServices.directory, references);
  // One set of per-conversation queues and limits for every proactive request: alerts and card updates.
  // With STORE=postgres the limits are counted in the database, across every instance.
  const lanes = new ConversationLanes({
    clock,
    globalRatePerSecond: delivery.delivery.globalRatePerSecond,
    ...(storage.sendLimiter ? { limiter: storage.sendLimiter } : {}),
    log,
  });
  const cardCopies = await CardCopies.open({
    documents: storage.documents,
    adapter,
    appId,
    references,
    lanes,
    latestClaim: async (claimId) => (await repository.get(claimId))?.claim,
    render: {
      claimCard: async (claim, recipient, context) => {
        const reader = await actorOfReader(await references.get(recipient.conversationKey), actors, context);
        // Read as the reader: what they may see, and what the card offers, with the competing
        // claims the duplicate check needs (a stored copy alone would offer Submit on a duplicate).
        const current = reader ? await claims.get(reader, claim.id).catch(() => undefined) : undefined;
        const allowed = reader && current ? claims.allowedActions(reader, current) : new Set<Action>();
        return renderClaimCard(current ?? claim, toViewer(recipient, clock.now()), {
          allowed,
          ...(reader && current ? { poeLinks: await poeLinks.linksFor(reader, current) } : {}),
          ...(current ? await reviewerChoicesFor(reviewerChoices, allowed, current) : {}),
        });
      },
      alertCard: (alert, now, recipient) => renderAlert(alert, toViewer(recipient, clock.now()), now, delegationNote(recipient)),
    },
    clock,
    settings: delivery.delivery,
    log,
  });
  const outbox = await OutboxDelivery.open({
    claims,
    alertState: alertStateFrom(repository),
    adapter,
    appId,
    references,
    delegations,
    documents: storage.documents,
    settings: delivery.delivery,
    cardCopies,
    lanes,
    owner: config.instanceId,
    clock,
    log,
    renderAlert: (alert, recipient, now) => renderAlert(alert, toViewer(recipient, clock.now()), now, delegationNote(recipient)),
    // A customer who never talked to the bot still gets the consent notice: by mail, at the
    // mailbox's pace (shared by every instance).
    fallback: {
      recipients: (alert: Alert) => (alert.kind === 'consent-notice' ? consentFactsFromAlert(alert).contacts.map((contact) => contact.email) : []),
      send: async (alert: Alert, recipient: string) => {
        await consentMailer.send(consentFactsFromAlert(alert), [recipient]);
      },
      limits: { key: `mail:${consentMailer.mailbox}`, windows: [{ limit: delivery.consentMailPerMinute, windowMs: 60_000 }] },
    },
  });
  const scheduler = new TickScheduler({
    claims,
    intervalMs: delivery.tickIntervalMs,
    clock,
    log,
  });
  // Every committed change, from a card, a dialog or a timer, sends the alerts it recorded and
  // refreshes the cards already posted (but the one just clicked, which the invoke answers).
  claims.onChange((claim, by) => {
    cardCopies.claimChanged(claim, cardClickedBy(by)).catch((error: unknown) => log(`updating the cards of ${claim.id}`, error));
    outbox.kick(claim.id);
  });
  // The engine reads files in its own worker thread; a test may give its own checker instead.
  const checker = options.precheck?.checker ?? (config.POE_PRECHECK === 'on' ? createPoeChecker({ clock, ocr: config.POE_PRECHECK_OCR }) : undefined);
  const precheck = checker
    ? new PrecheckRunner({
        claims,
        blobs: storage.blobs,
        checker,
        clock,
        sweepIntervalMs: options.precheck?.sweepIntervalMs ?? PRECHECK_SWEEP_MS,
        log,
      })
    : undefined;
  const hooks = new ProactiveHooks({ references, cardCopies, onReachable: () => outbox.noteReachable(), log });

  const flows = new DialogFlows({
    claims,
    storage: storage.botState,
    poe: new PoeFiles({
      blobs: storage.blobs,
      rules: policy.poe,
      ...(config.CPOR_POE_HOSTS ? { allowedHosts: config.CPOR_POE_HOSTS } : {}),
      ...(options.poeDownload ?? {}),
    }),
    precheck: precheck !== undefined,
    log,
  });
  const away = new AwayActions({ delegations, reviewers: reviewerChoices, actors, clock });
  const cardActions = new CardActions({
    claims,
    clock,
    actors,
    config: { defaultLocale: config.DEFAULT_LOCALE },
    poeLinks,
    reviewers: reviewerChoices,
    away,
    startConversation: (context, actor, user, command) => flows.begin(context, actor, user, command),
    log,
  });
  const bot = new ClaimsBot({
    claims,
    clock,
    actors,
    flows,
    cardActions,
    search: new ClaimSearchExtension({ claims, clock, actors, defaultLocale: config.DEFAULT_LOCALE, log }),
    admin: new RosterChatCommands(directoryServices.administration),
    hooks,
    poeLinks,
    reviewers: reviewerChoices,
    away,
    defaultLocale: config.DEFAULT_LOCALE,
    log,
  });

  // The tab names its user the way /api/messages does: Teams SSO with an app id, local mode without.
  const tabAuthenticator = createTabAuthenticator(loadTabSignIn({ ...environment, MicrosoftAppId: config.MicrosoftAppId ?? '' }), clock);

  const server = createServer({
    adapter,
    bot,
    maxBodyBytes: config.MAX_BODY_BYTES,
    teamsOnly: config.NODE_ENV === 'production',
    ...(config.HEALTH_KEY ? { healthKey: config.HEALTH_KEY } : {}),
    log,
    health: async () => ({
      authentication: config.authenticationDisabled ? 'disabled (local mode)' : 'enabled',
      claims: await repository.count(),
      ...proactiveHealth(scheduler, outbox, cardCopies),
      precheck: precheck ? precheck.health() : 'off',
    }),
    routes: [
      (http) => registerPoeRoutes(http, { tokens: consentLinks.tokens, claims, actors, clock, blobs: storage.blobs, log }),
      (http) =>
        registerConsentRoutes(http, {
          service: claims,
          tokens: consentLinks.tokens,
          usedTokens: consentLinks.usedTokens,
          clock,
          timeZone: policy.timeZone,
          defaultLocale: config.DEFAULT_LOCALE,
          // Production is https (the configuration insists); the cookie never travels in clear there.
          secureCookies: config.NODE_ENV === 'production' || directoryConfig.publicBaseUrl.startsWith('https:'),
          log,
        }),
      (http) =>
        registerTabRoutes(http, {
          claims,
          actors,
          authenticator: tabAuthenticator,
          poeLinks: (actor, claim) => poeLinks.linksFor(actor, claim),
          clock,
          defaultLocale: config.DEFAULT_LOCALE,
          log,
        }),
    ],
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.server.listen(config.PORT, config.HOST, () => resolve());
  });
  const bound = server.server.address() as AddressInfo;
  const port = bound.port;
  listeningOn.port = port;
  const listening = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${port}`;
  outbox.start();
  await scheduler.start();
  precheck?.start();

  let stopping: Promise<void> | undefined;
  return {
    url: bound.address === '0.0.0.0' || bound.address === '::' ? `http://127.0.0.1:${port}` : listening,
    listening,
    port,
    claims,
    repository,
    server,
    ...(precheck ? { precheck } : {}),
    stop: () => {
      stopping ??= (async () => {
        await server.drain(DRAIN_TIMEOUT_MS);
        await precheck?.stop();
        await checker?.close?.();
        await scheduler.stop();
        await cardCopies.stop();
        await outbox.stop();
        await storage.close();
      })();
      return stopping;
    },
  };
}
