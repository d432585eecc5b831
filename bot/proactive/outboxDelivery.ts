import { CardFactory, type ConversationParameters } from 'botbuilder';
import type { AlertLeaseScope } from '../../services/claimRepository.js';
import type { AlertLease, DeliveryOutcome, HeldAlertsCheck, HeldAlertsCheckOptions, LeasedAlerts } from '../../services/claimService.js';
import { WAKE, type Clock } from '../../services/clock.js';
import type { Alert, Claim } from '../../services/model.js';
import type { ClaimRepository } from '../../services/claimRepository.js';
import type { DocumentStore } from '../../services/store/documentStore.js';
import type { CardCopies } from './cardCopies.js';
import { backoffMs, classifyConnectorError, type ConnectorFailure } from './connectorErrors.js';
import { conversationReferenceOf, type ConversationReferenceStore, type StoredReference } from './conversationReferences.js';
import type { ChannelLimits, ConversationLanes, LaneVerdict, SendWithinLimits } from './conversationLanes.js';
import { DeliveryJournal } from './deliveryJournal.js';
import { afterGatherMs, type GatherSchedule } from './gather.js';
import { continueConversation, createConversation, type ProactiveAdapter } from './proactiveTurn.js';
import { prepareProactiveClient } from './proactiveClient.js';
import type { DeliverySettings } from './proactiveConfig.js';
import { DueInTurn } from './dueInTurn.js';
import { PassLookups } from './passLookups.js';
import { addressOf, recipientOf, resolveRecipients, roleOf, type AlertRenderer, type DelegationLookup, type Recipient, type Resolution } from './recipients.js';
import { SharedAddresses, type WaitedRecipients } from './sharedAddresses.js';

// The outbox worker: drains the alerts state changes recorded, renders each for each recipient
// in their language, and posts it proactively, within Teams' rate limits. Delivery promise:
//
// - An alert is marked sent only after Teams accepted every copy that could be delivered (2xx).
// - Never two copies: an in-process set of alerts being handled, a re-read of the alert before
//   each send, and a durable journal (deliveryJournal.ts) written before and after each POST.
//   A crash between Teams' 2xx and the journal's `sent` entry (one durable write) is the only window in
//   which the outcome is unknown; DELIVERY_AFTER_CRASH decides it: `skip` (default, at most
//   once: dead-lettered as uncertain, never re-sent) or `resend` (at least once).
// - 429 waits Retry-After, 412/5xx/network back off with jitter, both for that conversation only;
//   403 blocked / 404 gone mark the reference dead and give up on that copy; attempts are
//   counted on the alert (recordDelivery 'pending') and bounded; then a dead letter. A fallback
//   (the consent mail) that fails is tried again the same way; one that declines waits.
// - Several instances on one database: work is picked by leasing claims (one owner at a time per
//   claim's alerts), renewed while any alert of the claim is held here, released once they are
//   settled; a lease that lapses (an instance that stopped) passes to another.
//
// What a pass costs does not grow with the alerts held here (queued behind a throttled chat) or
// waiting for someone to become reachable: a change kicks a pass that looks at the changed claims
// only; the poll's pass leases claims nobody holds, resolves the waiting alerts' recipients again
// in memory (once per person waited for), and reads only the held claims whose pending alerts
// are no longer the ones held (their count and mark in the claims' summaries).

export interface OutboxSource {
  /** Pending alerts of claims now leased to `lease.owner`; `except`: alerts already held, by claim. */
  leasePendingAlerts(lease: AlertLease, limit: number, except?: ReadonlyMap<string, ReadonlySet<string>>, scope?: AlertLeaseScope): Promise<LeasedAlerts>;
  /** How the alerts held here (by claim) stand in the store, and the pending ones of those claims not held; `readAll`: every claim read, changed or not; `claims`: only those. */
  checkHeldAlerts(held: ReadonlyMap<string, ReadonlySet<string>>, options: HeldAlertsCheckOptions): Promise<HeldAlertsCheck>;
  /** The claims whose alerts the owner holds now, as the store has it. */
  alertClaimsLeasedTo(lease: AlertLease): Promise<string[]>;
  /** Extends the owner's leases; returns the claims it still holds. */
  renewAlertLeases(lease: AlertLease, claimIds: readonly string[]): Promise<string[]>;
  releaseAlertLeases(owner: string, claimIds: readonly string[]): Promise<void>;
  recordDelivery(claimId: string, alertId: string, outcome: DeliveryOutcome): Promise<Alert | undefined>;
}

/**
 * Reads one alert as it is now, so a send can be skipped when it is no longer pending, and the
 * claim as it is now, so the card posted already says where the claim has moved since.
 */
export type AlertStateReader = (claimId: string, alertId: string) => Promise<{ alert: Alert; claim: Claim } | undefined>;

export function alertStateFrom(repository: Pick<ClaimRepository, 'get'>): AlertStateReader {
  return async (claimId, alertId) => {
    const document = await repository.get(claimId);
    const alert = document?.outbox.find((candidate) => candidate.id === alertId);
    return document && alert ? { alert, claim: document.claim } : undefined;
  };
}

/**
 * Another channel (the consent mail) for the alerts nobody can be reached for in Teams. Its sends
 * go through a lane of their own, at the channel's pace: a pass only queues them.
 */
export interface AlertFallback {
  /**
   * Where it would send the alert (mail addresses). None: it does not carry it, and the alert waits
   * for someone to become reachable in Teams. Throws when it should carry it but cannot (data missing).
   */
  recipients(alert: Alert): readonly string[];
  /** Sends it to one of them; throws when the channel failed (then tried again after a back-off, and counted). */
  send(alert: Alert, recipient: string, reason: string): Promise<void>;
  /** The channel's own limits (a mailbox's, per message), counted by the lanes' limiter apart from Teams' rate. */
  limits: ChannelLimits;
}

/**
 * An alert queued for the fallback: what names it, its recipients there, and why Teams could not
 * carry it. A mailbox's pace can keep thousands queued; the whole alert is read again when it goes.
 */
interface FallingBack {
  id: string;
  claimId: string;
  recipients: readonly string[];
  reason: string;
}

export interface OutboxDeliveryOptions {
  claims: OutboxSource;
  alertState: AlertStateReader;
  adapter: ProactiveAdapter;
  /** MicrosoftAppId; the empty string when running unauthenticated (local). */
  appId: string;
  references: ConversationReferenceStore;
  /** Out-of-office delegation: a reviewer's personal alerts go to their delegate while they are away. */
  delegations?: DelegationLookup;
  /** Where the delivery journal lives (deliveryJournal.ts). */
  documents: DocumentStore;
  renderAlert: AlertRenderer;
  settings: DeliverySettings;
  cardCopies?: CardCopies;
  /** Another channel (e-mail) for an alert nobody can be reached for in Teams. */
  fallback?: AlertFallback;
  /** The claim service's clock: alert ages, Retry-After and the rate windows are on it. */
  clock: Clock;
  random?: () => number;
  /** When a change's pass starts: GATHER_MS later by default. */
  gather?: GatherSchedule;
  /** The per-conversation queues and rate limits every proactive request goes through (posts and card updates); stopped with the worker. */
  lanes: ConversationLanes;
  /** This instance, as the owner of the alert leases it takes. */
  owner: string;
  /** How long a claim's alerts stay leased without a renewal (default: DELIVERY_LEASE_SECONDS, at least four poll intervals). */
  leaseMs?: number;
  log?: (message: string, error?: unknown) => void;
}

export interface DeadLetter {
  alertId: string;
  claimId: string;
  kind: Alert['kind'];
  reason: string;
  at: string;
}

export interface OutboxHealth {
  pending: number;
  inFlight: number;
  throttledConversations: number;
  /** Alerts queued for the fallback (consent mails waiting for the mailbox's pace). */
  fallbackQueued: number;
  deadLetters: number;
  sentTotal: number;
  uncertain: number;
  lastDrainAt: string | undefined;
  lastError: string | undefined;
  recentDeadLetters: DeadLetter[];
}

type TargetState = 'pending' | 'sent' | 'failed';

interface Target {
  recipient: Recipient;
  state: TargetState;
  failure?: string;
  /** The copy's outcome cannot be known (crash mid-send), so it is not tried again. */
  uncertain?: boolean;
}

interface Job {
  alert: Alert;
  targets: Target[];
  attempts: number;
  finished: boolean;
}

const RECENT_DEAD_LETTERS = 20;

/**
 * Past a minute of sends at Teams' rate, the alerts of changed claims are left in the store for the
 * poll to lease oldest first as room comes: holding more here only cost memory, lease renewals
 * and checks for alerts that could not go out sooner, and kept other instances from taking them.
 */
const HOLD_SECONDS = 60;

/**
 * How long a claim whose alerts all wait for someone stays leased here without a renewal: thousands
 * may wait for days, and renewing each a quarter of a normal lease apart wrote more rows than the
 * changes that made them. The price: if this instance dies, another takes those alerts up to this
 * much later (they were waiting for someone unreachable anyway).
 */
const PARK_MS = 15 * 60_000;

/**
 * How often the poll checks, against the store, a claim whose alerts all wait here: a change made
 * here is taken at once (its pass), so this only paces one another instance made. Each poll checks
 * those whose turn came, so the thousands that may wait are spread over the minute.
 */
const WAIT_CHECK_MS = 60_000;

/** What names an alert where it is worked: held or waiting. */
type AlertOfClaim = Pick<Alert, 'id' | 'claimId'>;

/**
 * An alert waiting for someone to become reachable: its address alone, with what each poll asks
 * of it worked out once. Thousands may wait; the whole alert is read from its claim again when
 * it goes (its snapshot is most of it).
 */
interface WaitingAlert {
  id: string;
  claimId: string;
  /** Shared with the other alerts waiting for the same people: one lookup a poll for all of them. */
  recipients: WaitedRecipients;
  /** When it has waited too long and goes to be dead-lettered (ms since the epoch). */
  giveUpAt: number;
  /** Its fallback failed (the mail service refused or was down): when to try it again (ms since the epoch). */
  retryAt: number | undefined;
}

/** `interval` has passed since `since`; a clock set back before `since` counts as passed too. */
function elapsed(since: number, now: number, interval: number): boolean {
  return now < since || now - since >= interval;
}

export class OutboxDelivery {
  private readonly lanes: ConversationLanes;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly log: (message: string, error?: unknown) => void;
  /** Alerts being delivered now, by alert id: never picked twice. */
  private readonly held = new Map<string, Job>();
  /** Alerts that found nobody to reach, kept in memory (their claims leased) until a recheck. */
  private readonly waiting = new Map<string, WaitingAlert>();
  /** One address and recipients key per set of people the waiting alerts wait for. */
  private readonly waitedFor = new SharedAddresses();
  /** Alerts queued for the fallback channel, by alert id. */
  private readonly fallingBack = new Map<string, FallingBack>();
  /** The alerts held, waiting or falling back, by claim: what a lease leaves out, kept as they come and go. */
  private readonly worked = new Map<string, Set<string>>();
  /** Claims changed here since the last pass (kick with an id): a kicked pass looks at those only. */
  private readonly touched = new Set<string>();
  /** Set while the changes kicked wait GATHER_MS for others to join their pass. */
  private gathering: { cancel(): void } | undefined;
  /** The next pass is the poll's: it leases claims nobody holds, and checks what is held. */
  private pollPassDue = true;
  /** The first poll pass also takes back the claims this instance held before it restarted. */
  private ownClaimsTaken = false;
  private waitingResolveDue = false;
  /** The next check reads every claim worked here (an explicit drain), not only those whose pending alerts changed. */
  private waitingRereadDue = false;
  private lastPollPass = 0;
  /**
   * The claims leased here, due for renewal a quarter of a lease after they were leased or last
   * renewed: renewals spread over time as the leases were taken, rather than every claim held
   * (thousands, under a backlog) in one burst.
   */
  private readonly leaseRenewals: DueInTurn<string>;
  /** As `leaseRenewals`, for the claims all of whose alerts here wait: leased for the park and renewed a quarter of it apart. */
  private readonly parkRenewals: DueInTurn<string>;
  /** Claims with an alert waiting or queued for the fallback here, due to be checked against the store WAIT_CHECK_MS after the last check. */
  private readonly waitChecks = new DueInTurn<string>(WAIT_CHECK_MS);
  /** The current pass's recipient lookups: forgotten when a conversation becomes reachable or closes. */
  private passLookups: PassLookups | undefined;
  /** A pass is leasing and taking alerts: releases wait for its end (it may be taking that claim's). */
  private picking = false;
  private readonly releaseAfterPass = new Set<string>();
  /** The last pass took a full batch, so more alerts may be waiting beyond it. */
  private moreWaiting = false;
  private readonly lease: AlertLease;
  private readonly parkLease: AlertLease;
  /** Alerts held past which a change's pass leases nothing (HOLD_SECONDS of sends at the app's rate). */
  private readonly holdLimit: number;
  private pendingCount = 0;
  private sentTotal = 0;
  private deadTotal = 0;
  private uncertainTotal = 0;
  private readonly recentDead: DeadLetter[] = [];
  private lastDrainAt: string | undefined;
  private lastError: string | undefined;
  private draining: Promise<void> | undefined;
  private drainAgain = false;
  private loop: Promise<void> | undefined;
  private wake = new AbortController();
  private stopped = false;

  private constructor(
    private readonly options: OutboxDeliveryOptions,
    private readonly journal: DeliveryJournal,
  ) {
    this.clock = options.clock;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? (() => undefined);
    this.lanes = options.lanes;
    // Renewed on every pass, so it only lapses when this instance stops passing for that long.
    this.holdLimit = options.settings.globalRatePerSecond * HOLD_SECONDS;
    this.lease = { owner: options.owner, leaseMs: options.leaseMs ?? Math.max(options.settings.leaseMs, 4 * options.settings.pollIntervalMs) };
    this.parkLease = { owner: options.owner, leaseMs: Math.max(this.lease.leaseMs, PARK_MS) };
    this.leaseRenewals = new DueInTurn(this.lease.leaseMs / 4);
    this.parkRenewals = new DueInTurn(this.parkLease.leaseMs / 4);
  }

  static async open(options: OutboxDeliveryOptions): Promise<OutboxDelivery> {
    const { clock } = options;
    const journal = await DeliveryJournal.open(options.documents, { retentionMs: options.settings.dedupeRetentionMs, clock });
    return new OutboxDelivery(options, journal);
  }

  /** Starts the polling loop; the first drain runs at once (alerts left by a previous run). */
  start(): void {
    if (this.loop || this.stopped) return;
    this.loop = this.run();
  }

  /**
   * Asks for a pass: over `claimId` only when given (a change committed here; the pass starts
   * GATHER_MS later, with the changes committed meanwhile), else a poll's pass, at once (a tick
   * that recorded alerts, a batch half done).
   */
  kick(claimId?: string): void {
    if (claimId === undefined) {
      this.pollPassDue = true;
      this.wake.abort(WAKE);
      return;
    }
    this.touched.add(claimId);
    this.gathering ??= (this.options.gather ?? afterGatherMs)(() => {
      this.gathering = undefined;
      this.wake.abort(WAKE);
    });
  }

  /** Someone became reachable: alerts waiting for a conversation are worth another look now. */
  noteReachable(): void {
    this.passLookups?.forget();
    this.waitingResolveDue = true;
    this.kick();
  }

  /** Stops polling, lets requests in flight finish and be recorded, closes the journal. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.gathering?.cancel();
    this.gathering = undefined;
    this.wake.abort(WAKE);
    await this.loop;
    await this.draining;
    await this.lanes.stop();
    // Queued alerts stay pending: another instance may take them at once.
    await this.releaseIdle(this.workedClaims(), true);
    await this.journal.close();
  }

  /**
   * A poll's pass over the outbox; resolves once the alerts found are dispatched (not delivered).
   * `recheckWaiting: true` also looks for the alerts waiting for someone again, and reads them
   * from the store; `false` leaves them alone.
   */
  async drain(options: { recheckWaiting: boolean } = { recheckWaiting: true }): Promise<void> {
    this.pollPassDue = true;
    if (options.recheckWaiting) {
      this.waitingResolveDue = true;
      this.waitingRereadDue = true;
    }
    return this.pass();
  }

  private pass(): Promise<void> {
    if (this.draining) {
      this.drainAgain = true;
      return this.draining;
    }
    this.draining = (async () => {
      do {
        this.drainAgain = false;
        await this.drainOnce();
      } while (this.drainAgain && !this.stopped);
    })().finally(() => (this.draining = undefined));
    return this.draining;
  }

  /** Resolves when nothing is queued or in flight (for tests and shutdown). */
  async idle(): Promise<void> {
    await this.draining;
    await this.lanes.idle();
  }

  health(): OutboxHealth {
    const now = this.clock.now().getTime();
    const throttled = [...this.held.values()].flatMap((job) => job.targets).filter((target) => this.lanes.blockedUntil(target.recipient.conversationKey) > now);
    return {
      pending: this.pendingCount,
      inFlight: this.lanes.stats().inFlight,
      throttledConversations: new Set(throttled.map((target) => target.recipient.conversationKey)).size,
      fallbackQueued: this.fallingBack.size,
      deadLetters: this.deadTotal,
      sentTotal: this.sentTotal,
      uncertain: this.uncertainTotal,
      lastDrainAt: this.lastDrainAt,
      lastError: this.lastError,
      recentDeadLetters: [...this.recentDead],
    };
  }

  // ---- the loop ---------------------------------------------------------------------------

  private async run(): Promise<void> {
    while (!this.stopped) {
      // Kicks keep waking the loop under load: the poll's pass is due by the clock, not by a sleep
      // that ran out. Waiting alerts are resolved again on each.
      const now = this.clock.now().getTime();
      const { pollIntervalMs } = this.options.settings;
      if (elapsed(this.lastPollPass, now, pollIntervalMs)) {
        this.pollPassDue = true;
        this.waitingResolveDue = true;
      }
      await this.pass();
      if (this.stopped) break;
      await this.clock.sleep(this.options.settings.pollIntervalMs, this.wake.signal);
      if (this.wake.signal.aborted) this.wake = new AbortController();
    }
  }

  private async drainOnce(): Promise<void> {
    this.picking = true;
    try {
      const lookups = new PassLookups(this.options.references);
      this.passLookups = lookups;
      const pollPass = this.pollPassDue;
      const { batchSize } = this.options.settings;
      const full = this.held.size >= this.holdLimit;
      // Left out when full, they stay pending in the store: a poll's pass leases them once held alerts run low.
      const touched = full ? [] : [...this.touched];
      if (full && this.touched.size > 0) this.moreWaiting = true;
      this.pollPassDue = false;
      this.touched.clear();
      const begun: Alert[] = [];
      await this.renewLeasesWhenDue();
      if (pollPass) {
        this.lastPollPass = this.clock.now().getTime();
        if (!this.ownClaimsTaken) {
          // Asked once, by name: the poll's lease then leaves every claim of this owner out, rather
          // than leasing those held here again (thousands, under a backlog) to find the few left.
          const own = await this.options.claims.alertClaimsLeasedTo(this.lease);
          touched.push(...own.filter((claimId) => !this.worked.has(claimId)));
          this.ownClaimsTaken = true;
        }
        begun.push(...(await this.checkWorked()));
        if (this.waitingResolveDue) {
          const ready = await this.resolvableWaiting(lookups, batchSize);
          // A full batch: more may be ready, for the next pass.
          this.waitingResolveDue = ready.length >= batchSize;
          // No longer worked here, they come back whole with their claims' lease.
          touched.push(...ready.map((waiting) => waiting.claimId));
        }
      }
      const found: LeasedAlerts[] = [];
      // The alerts held or waiting here stay out of every lease: `worked` is read, never copied.
      const among = [...new Set(touched)];
      if (among.length > 0) found.push(await this.options.claims.leasePendingAlerts(this.lease, batchSize, this.worked, { among }));
      if (pollPass) {
        // Claims this instance holds are left out: their alerts are held here already, and those
        // it held before a restart were taken back above, by name.
        const leased = await this.options.claims.leasePendingAlerts(this.lease, batchSize, this.worked, { skipOwn: true });
        this.moreWaiting = leased.alerts.length >= batchSize || this.waitingResolveDue;
        found.push(leased);
      }
      const leasedNow = this.clock.now().getTime();
      for (const { leased } of found) {
        for (const claimId of leased) {
          this.releaseAfterPass.add(claimId);
          this.noteLeased(claimId, leasedNow);
        }
      }
      const alerts = [...begun, ...found.flatMap((leased) => leased.alerts)];
      this.pendingCount = alerts.length + this.held.size + this.waiting.size + this.fallingBack.size;
      try {
        const beginning = alerts.filter((alert) => !this.isWorked(alert));
        await this.lookAhead(beginning, lookups);
        for (const alert of beginning) {
          if (this.stopped) break;
          if (this.isWorked(alert)) continue;
          await this.begin(alert, lookups);
        }
      } finally {
        this.journal.forgetReadAhead();
        this.picking = false;
        // Leased claims that gave no alert this pass (beyond the batch, or all settled at once).
        const settled = [...this.releaseAfterPass];
        this.releaseAfterPass.clear();
        await this.releaseIdle(settled);
      }
      this.lastDrainAt = this.clock.now().toISOString();
      this.lastError = undefined;
      // A full batch that settled at once (nothing reachable, or all sent before) leaves no send to wait for.
      this.nextPassWhenLow();
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      this.log('outbox drain failed', error);
    } finally {
      this.picking = false;
    }
  }

  /**
   * The claims worked here, as the store has them now: waiting alerts settled elsewhere (or whose
   * claim is gone) are forgotten, and alerts those claims recorded since come back to be begun.
   * Only the claims whose pending alerts changed are read, unless an explicit drain asks for all.
   */
  private async checkWorked(): Promise<Alert[]> {
    const readAll = this.waitingRereadDue;
    this.waitingRereadDue = false;
    if (this.worked.size === 0) return [];
    const { added, gone } = await this.options.claims.checkHeldAlerts(this.worked, { readAll, claims: readAll ? undefined : this.claimsToCheck() });
    // A held alert is checked again before each copy is sent; only waiting ones are let go here.
    for (const alertId of gone) {
      const waiting = this.waiting.get(alertId);
      if (!waiting) continue;
      this.stopWaiting(waiting);
      this.releaseAfterPass.add(waiting.claimId);
    }
    return added;
  }

  /**
   * The claims worked here that this poll checks: every claim with an alert being sent, and those
   * with alerts waiting or queued for the mail once their turn came (WAIT_CHECK_MS). A mailbox's
   * pace can keep thousands queued for hours, and each is read again before it goes: checked all
   * at every poll, they cost each pass tens of milliseconds of the event loop.
   */
  private claimsToCheck(): string[] {
    const now = this.clock.now().getTime();
    const claims = new Set<string>();
    for (const { alert } of this.held.values()) claims.add(alert.claimId);
    for (const claimId of this.waitChecks.due(now, this.isWorkedClaim)) {
      claims.add(claimId);
      this.waitChecks.note(claimId, now);
    }
    return [...claims];
  }

  /**
   * Up to `limit` waiting alerts someone can now be found for, or that waited too long, taken
   * out of waiting to be begun again (delivered, or dead-lettered); the others stay, unread.
   * Recipients are resolved once per person waited for: thousands of alerts may wait for one.
   */
  private async resolvableWaiting(lookups: PassLookups, limit: number): Promise<WaitingAlert[]> {
    const now = this.clock.now().getTime();
    const ready: WaitingAlert[] = [];
    const stillUnreachable = new Set<string>();
    for (const waiting of [...this.waiting.values()]) {
      if (this.stopped || ready.length >= limit) break;
      const due = now >= waiting.giveUpAt || (waiting.retryAt !== undefined && now >= waiting.retryAt);
      if (!due) {
        if (stillUnreachable.has(waiting.recipients.key)) continue;
        if ((await resolveRecipients(waiting.recipients.address, lookups, this.options.delegations)).kind === 'unreachable') {
          stillUnreachable.add(waiting.recipients.key);
          continue;
        }
      }
      this.stopWaiting(waiting);
      ready.push(waiting);
    }
    return ready;
  }

  /**
   * Asks at once what beginning these alerts will ask one by one: their recipients (the pass keeps
   * the answers), then their journal entries. The alerts are still begun in order; on PostgreSQL
   * the questions asked at once go as one statement each, not one per alert. A failed lookup is
   * left for `begin` to ask again.
   */
  private async lookAhead(alerts: readonly Alert[], lookups: PassLookups): Promise<void> {
    if (alerts.length < 2) return;
    const resolved = await Promise.all(alerts.map((alert) => resolveRecipients(alert, lookups, this.options.delegations).catch(() => undefined)));
    const entries = alerts.map((alert, index) => {
      const resolution = resolved[index];
      const targets = resolution?.kind === 'targets' ? resolution.targets.map((recipient) => recipient.conversationKey) : [];
      return { key: alert.dedupeKey, targets };
    });
    await this.journal.readAhead(entries).catch((error: unknown) => this.log('reading the delivery journal ahead failed', error));
  }

  // ---- one alert --------------------------------------------------------------------------

  private async begin(alert: Alert, lookups: PassLookups): Promise<void> {
    if (await this.journal.isDone(alert.dedupeKey)) {
      // Delivered before (a crash lost the outbox write, or the same change was recorded twice).
      await this.recordFinal(alert, { state: 'sent', error: 'already delivered (dedupe key)' });
      return;
    }
    let resolution = await resolveRecipients(alert, lookups, this.options.delegations);
    if (resolution.kind === 'create') {
      const created = await this.createChat(resolution);
      lookups.forget();
      resolution =
        created.kind === 'created'
          ? { kind: 'targets', targets: [recipientOf(created.stored, roleOf(alert))] }
          : { kind: 'unreachable', reason: created.reason };
    }
    if (resolution.kind === 'unreachable') {
      await this.unreachable(alert, resolution.reason);
      return;
    }
    const job: Job = { alert, targets: [], attempts: alert.attempts, finished: false };
    for (const recipient of resolution.targets) {
      const entry = await this.journal.state(alert.dedupeKey, recipient.conversationKey);
      const target: Target = { recipient, state: 'pending' };
      if (entry?.state === 'sent') target.state = 'sent';
      else if (entry?.state === 'sending' && this.options.settings.afterCrash === 'skip') {
        target.state = 'failed';
        target.uncertain = true;
        target.failure = 'uncertain: the process stopped while this copy was being sent; not sent again (at most once)';
      }
      job.targets.push(target);
    }
    this.hold(job);
    const open = job.targets.filter((target) => target.state === 'pending');
    if (open.length === 0) {
      await this.finish(job);
      return;
    }
    for (const target of open) {
      this.lanes.enqueue(target.recipient.conversationKey, { run: (send) => this.sendCopy(job, target, send) });
    }
  }

  private async sendCopy(job: Job, target: Target, send: SendWithinLimits): Promise<LaneVerdict> {
    const { alert } = job;
    try {
      if (job.finished || target.state !== 'pending') return { kind: 'done' };
      const stored = await this.options.references.get(target.recipient.conversationKey);
      if (!stored || stored.dead) {
        target.state = 'failed';
        target.failure = stored?.dead ? `conversation closed (${stored.dead.reason})` : 'conversation removed (uninstalled)';
        await this.settle(job);
        return { kind: 'done' };
      }
      const current = await this.options.alertState(alert.claimId, alert.id);
      if (current?.alert.state !== 'pending') {
        // Someone else recorded it (another worker, or the claim's document was replaced).
        job.finished = true;
        this.unhold(job);
        await this.releaseIdle([alert.claimId]);
        return { kind: 'done' };
      }
      let card;
      try {
        card = this.options.renderAlert(alert, target.recipient, current?.claim);
      } catch (error) {
        target.state = 'failed';
        target.failure = `the card could not be rendered: ${error instanceof Error ? error.message : String(error)}`;
        await this.settle(job);
        return { kind: 'done' };
      }
      // The slots are held for the journal's `sending` entry and the POST only; when the lanes
      // stop first nothing was journaled, and the copy stays pending.
      const posted = await send(async () => {
        await this.journal.record(alert.dedupeKey, target.recipient.conversationKey, 'sending');
        try {
          let activityId: string | undefined;
          await continueConversation(this.options.adapter, this.options.appId, conversationReferenceOf(stored), async (context) => {
            prepareProactiveClient(context, this.options.settings.requestTimeoutMs);
            const response = await context.sendActivity({ type: 'message', attachments: [CardFactory.adaptiveCard(card)] });
            activityId = response?.id;
          });
          return { ok: true as const, activityId };
        } catch (error) {
          return { ok: false as const, error };
        }
      });
      if (!posted) return { kind: 'retry', afterMs: 0 };
      if (!posted.ok) {
        await this.journal.record(alert.dedupeKey, target.recipient.conversationKey, 'failed');
        return await this.failed(job, target, classifyConnectorError(posted.error, this.clock.now().getTime()));
      }
      const { activityId } = posted;
      await this.journal.record(alert.dedupeKey, target.recipient.conversationKey, 'sent', activityId);
      target.state = 'sent';
      if (activityId && this.options.cardCopies) {
        await this.options.cardCopies
          .recordAlert(alert, activityId, target.recipient, current?.claim)
          .catch((error: unknown) => this.log(`could not remember the card copy of ${alert.id}`, error));
      }
      await this.settle(job);
      return { kind: 'done' };
    } catch (error) {
      // The journal or the store failed: the copy stays pending and is tried again later.
      this.lastError = error instanceof Error ? error.message : String(error);
      this.log(`delivery of alert ${alert.id} failed`, error);
      return { kind: 'retry', afterMs: this.backoff(job.attempts + 1) };
    }
  }

  private async failed(job: Job, target: Target, failure: ConnectorFailure): Promise<LaneVerdict> {
    const { alert } = job;
    if (failure.kind === 'conversation-gone') {
      await this.options.references.markDead(target.recipient.conversationKey, failure.code);
      this.passLookups?.forget();
      target.state = 'failed';
      target.failure = failure.detail;
      await this.settle(job);
      return { kind: 'done' };
    }
    if (failure.kind === 'rejected') {
      target.state = 'failed';
      target.failure = failure.detail;
      await this.settle(job);
      return { kind: 'done' };
    }
    job.attempts += 1;
    if (job.attempts >= this.options.settings.maxAttempts) {
      target.state = 'failed';
      target.failure = `gave up after ${job.attempts} attempts; last: ${failure.detail}`;
      await this.settle(job);
      return { kind: 'done' };
    }
    // Counted on the alert, so the bound holds across restarts.
    await this.options.claims.recordDelivery(alert.claimId, alert.id, { state: 'pending', error: failure.detail });
    const afterMs = failure.kind === 'throttled' && failure.retryAfterMs !== undefined ? failure.retryAfterMs : this.backoff(job.attempts);
    return { kind: 'retry', afterMs };
  }

  /** Finishes the alert once every copy is sent or failed for good. */
  private async settle(job: Job): Promise<void> {
    if (job.finished || job.targets.some((target) => target.state === 'pending')) return;
    await this.finish(job);
  }

  private async finish(job: Job): Promise<void> {
    job.finished = true;
    const { alert } = job;
    try {
      const failures = job.targets.filter((target) => target.state === 'failed');
      const uncertain = failures.filter((target) => target.uncertain).length;
      this.uncertainTotal += uncertain;
      const summary = failures.map((target) => `${target.recipient.conversationKey}: ${target.failure ?? 'failed'}`).join('; ');
      if (failures.length < job.targets.length) {
        await this.journal.markDone(alert.dedupeKey);
        await this.recordFinal(alert, { state: 'sent', ...(summary ? { error: summary } : {}) });
        this.sentTotal += 1;
      } else if (uncertain > 0) {
        // It may well have arrived: never hand it to another channel, and let an operator look.
        await this.deadLetter(alert, summary);
      } else {
        await this.unreachable(alert, summary, true);
      }
    } finally {
      this.unhold(job);
      this.nextPassWhenLow();
      await this.releaseIdle([alert.claimId]);
    }
  }

  /**
   * A backlog is drained batch after batch: once half of a full batch is settled, the next pass
   * starts, so the lanes never run dry waiting for the poll interval (a batch of 200 every 5 s
   * would cap delivery at 40 alerts/s, under Teams' 50/s).
   */
  private nextPassWhenLow(): void {
    if (!this.moreWaiting || this.held.size > Math.min(this.options.settings.batchSize, this.holdLimit) / 2) return;
    this.moreWaiting = false;
    this.kick();
  }

  // ---- what is worked here ----------------------------------------------------------------

  private hold(job: Job): void {
    this.held.set(job.alert.id, job);
    this.work(job.alert);
  }

  private unhold(job: Job): void {
    if (this.held.get(job.alert.id) !== job) return;
    this.held.delete(job.alert.id);
    this.unwork(job.alert);
  }

  private wait(alert: Alert, retryAt?: number): void {
    const giveUpAt = Date.parse(alert.createdAt) + this.options.settings.undeliverableAfterMs;
    const recipients = this.waitedFor.keep(addressOf(alert));
    const previous = this.waiting.get(alert.id);
    if (previous) this.waitedFor.release(previous.recipients);
    this.waiting.set(alert.id, { id: alert.id, claimId: alert.claimId, recipients, giveUpAt, retryAt });
    this.checkInTurn(alert.claimId);
    this.work(alert);
  }

  /** The claim was read just now: checked against the store again when its turn comes. */
  private checkInTurn(claimId: string): void {
    if (!this.waitChecks.has(claimId)) this.waitChecks.note(claimId, this.clock.now().getTime());
  }

  private stopWaiting(alert: AlertOfClaim): void {
    const waiting = this.waiting.get(alert.id);
    if (!waiting) return;
    this.waiting.delete(alert.id);
    this.waitedFor.release(waiting.recipients);
    this.unwork(alert);
  }

  private stopFallingBack(alert: AlertOfClaim): void {
    if (!this.fallingBack.delete(alert.id)) return;
    this.unwork(alert);
  }

  /** A claim with an alert held, waiting or falling back here; one that is not was released, or is being. */
  private readonly isWorkedClaim = (claimId: string): boolean => this.worked.has(claimId);

  private isWorked(alert: AlertOfClaim): boolean {
    return this.held.has(alert.id) || this.waiting.has(alert.id) || this.fallingBack.has(alert.id);
  }

  private work(alert: AlertOfClaim): void {
    const ids = this.worked.get(alert.claimId);
    if (ids) ids.add(alert.id);
    else this.worked.set(alert.claimId, new Set([alert.id]));
    // Every claim worked here is renewed: one leased before it was noted counts from now.
    if (!this.leaseRenewals.has(alert.claimId) && !this.parkRenewals.has(alert.claimId)) this.noteLeased(alert.claimId, this.clock.now().getTime());
  }

  /** Called once the alert left one of its states: it may still be in another (a failed mail waits to be tried again). */
  private unwork(alert: AlertOfClaim): void {
    if (this.isWorked(alert)) return;
    const ids = this.worked.get(alert.claimId);
    if (!ids?.delete(alert.id) || ids.size > 0) return;
    this.worked.delete(alert.claimId);
    this.waitChecks.forget(alert.claimId);
  }

  // ---- leases -----------------------------------------------------------------------------

  /** Claims with an alert held or waiting here. */
  private workedClaims(): string[] {
    return [...this.worked.keys()];
  }

  /** The claim was leased or renewed at `at`, for the park or the normal lease: due again a quarter of it later. */
  private noteLeased(claimId: string, at: number, parked = false): void {
    this.forgetLease(claimId);
    (parked ? this.parkRenewals : this.leaseRenewals).note(claimId, at);
  }

  private forgetLease(claimId: string): void {
    this.leaseRenewals.forget(claimId);
    this.parkRenewals.forget(claimId);
  }

  /** Every alert of the claim worked here waits for someone (none is being sent or mailed). */
  private onlyWaiting(claimId: string): boolean {
    for (const alertId of this.worked.get(claimId) ?? []) if (!this.waiting.has(alertId)) return false;
    return true;
  }

  /**
   * Keeps what this instance works on leased to it: each claim renewed by the first pass a
   * quarter of a lease after it was leased or renewed (passes run at least once per poll
   * interval, at most a quarter of the lease, so renewals come at most half a lease apart). A
   * claim whose alerts all wait is renewed for the park instead, a quarter of it apart. A claim
   * another instance took over (this one stalled past the lease) is left to it.
   */
  private async renewLeasesWhenDue(): Promise<void> {
    const now = this.clock.now().getTime();
    const due = { leased: [] as string[], parked: [] as string[] };
    for (const renewals of [this.leaseRenewals, this.parkRenewals]) {
      for (const claimId of renewals.due(now, this.isWorkedClaim)) due[this.onlyWaiting(claimId) ? 'parked' : 'leased'].push(claimId);
    }
    for (const [ids, lease, parked] of [
      [due.leased, this.lease, false],
      [due.parked, this.parkLease, true],
    ] as const) {
      if (ids.length === 0) continue;
      const kept = new Set(await this.options.claims.renewAlertLeases(lease, ids));
      for (const claimId of ids) {
        if (kept.has(claimId)) this.noteLeased(claimId, now, parked);
        else {
          this.forgetLease(claimId);
          this.drop(claimId);
        }
      }
    }
  }

  /**
   * Gives up the leases of those of `claimIds` no alert of which is held or waiting here (all of
   * them when `all`). During a pass they wait for its end, which may be taking alerts of the
   * same claim under the lease it just renewed. Never throws: a lease not released lapses.
   */
  private async releaseIdle(claimIds: readonly string[], all = false): Promise<void> {
    if (this.picking && !all) {
      for (const claimId of claimIds) this.releaseAfterPass.add(claimId);
      return;
    }
    // Asked per claim: thousands of claims may be worked here (a mail backlog), and a pass per change releases.
    const idle = all ? claimIds : claimIds.filter((claimId) => !this.worked.has(claimId));
    if (idle.length === 0) return;
    await this.options.claims.releaseAlertLeases(this.lease.owner, idle).catch((error: unknown) => this.log('could not release alert leases', error));
  }

  /** Another instance holds the claim now: its alerts are no longer this one's to send. */
  private drop(claimId: string): void {
    for (const alertId of [...(this.worked.get(claimId) ?? [])]) {
      const job = this.held.get(alertId);
      if (job) {
        job.finished = true;
        this.unhold(job);
      }
      const waiting = this.waiting.get(alertId);
      if (waiting) this.stopWaiting(waiting);
      const fallingBack = this.fallingBack.get(alertId);
      if (fallingBack) this.stopFallingBack(fallingBack);
    }
  }

  /** Nobody can be reached in Teams: the fallback, else wait, else (after the limit) dead letter. */
  private async unreachable(alert: Alert, reason: string, final = false): Promise<void> {
    const fallback = this.options.fallback;
    if (fallback) {
      let recipients: readonly string[];
      try {
        recipients = fallback.recipients(alert);
      } catch (error) {
        await this.deadLetter(alert, `undeliverable: ${reason}; the fallback cannot carry it: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      if (recipients.length > 0) {
        this.fallBack({ id: alert.id, claimId: alert.claimId, recipients, reason });
        return;
      }
    }
    const age = this.clock.now().getTime() - Date.parse(alert.createdAt);
    if (final || age >= this.options.settings.undeliverableAfterMs) {
      await this.deadLetter(alert, `undeliverable: ${reason}`);
      return;
    }
    // It stays pending: looked at again when someone becomes reachable or at the next poll.
    this.wait(alert);
  }

  /** Queues the alert in the fallback's lane; it stays worked here (out of every lease) until sent or given up. */
  private fallBack(entry: FallingBack): void {
    this.fallingBack.set(entry.id, entry);
    this.checkInTurn(entry.claimId);
    this.work(entry);
    this.lanes.enqueueChannel(this.options.fallback!.limits, { run: (send) => this.sendByFallback(entry, send) });
  }

  /**
   * Sends the alert to each of its fallback recipients in turn, each message within the channel's
   * limits and journaled as a Teams copy is, so a retry or a restart sends none twice.
   */
  private async sendByFallback(entry: FallingBack, send: SendWithinLimits): Promise<LaneVerdict> {
    const fallback = this.options.fallback!;
    const { reason } = entry;
    let stopping = false;
    try {
      // Another instance took the claim over meanwhile.
      if (this.fallingBack.get(entry.id) !== entry) return { kind: 'done' };
      const alert = (await this.options.alertState(entry.claimId, entry.id))?.alert;
      if (alert?.state !== 'pending') return { kind: 'done' };
      const uncertain: string[] = [];
      let sent = 0;
      for (const recipient of entry.recipients) {
        const target = `mail:${recipient.toLowerCase()}`;
        const journaled = await this.journal.state(alert.dedupeKey, target);
        if (journaled?.state === 'sent') {
          sent += 1;
          continue;
        }
        if (journaled?.state === 'sending' && this.options.settings.afterCrash === 'skip') {
          uncertain.push(recipient);
          continue;
        }
        const outcome = await send(async () => {
          await this.journal.record(alert.dedupeKey, target, 'sending');
          try {
            await fallback.send(alert, recipient, reason);
            return { ok: true as const };
          } catch (error) {
            return { ok: false as const, error };
          }
        });
        if (!outcome) {
          // The lanes are stopping: it stays pending, for the next start or another instance.
          stopping = true;
          return { kind: 'retry', afterMs: 0 };
        }
        if (!outcome.ok) {
          await this.journal.record(alert.dedupeKey, target, 'failed');
          this.log(`the fallback for alert ${alert.id} failed`, outcome.error);
          await this.fallbackFailed(alert, reason, outcome.error);
          return { kind: 'done' };
        }
        await this.journal.record(alert.dedupeKey, target, 'sent');
        sent += 1;
      }
      this.uncertainTotal += uncertain.length;
      const uncertainNote = uncertain.length > 0 ? `; uncertain: the process stopped while mailing ${uncertain.join(', ')}; not sent again (at most once)` : '';
      if (sent === 0) {
        await this.deadLetter(alert, `not in Teams (${reason})${uncertainNote}`);
        return { kind: 'done' };
      }
      await this.journal.markDone(alert.dedupeKey);
      await this.recordFinal(alert, { state: 'sent', error: `not in Teams (${reason}); delivered by the fallback${uncertainNote}` });
      this.sentTotal += 1;
      return { kind: 'done' };
    } catch (error) {
      // The journal or the store failed: the alert stays pending, and a later poll takes it again.
      this.lastError = error instanceof Error ? error.message : String(error);
      this.log(`the fallback for alert ${entry.id} could not be recorded`, error);
      return { kind: 'done' };
    } finally {
      if (!stopping && this.fallingBack.get(entry.id) === entry) {
        this.stopFallingBack(entry);
        this.nextPassWhenLow();
        await this.releaseIdle([entry.claimId]);
      }
    }
  }

  /**
   * The other channel failed (the mail service throttled or was down): it is tried
   * again after a back-off, as a send to Teams is, and the attempt is counted on the alert, so the
   * bound holds across restarts; past it, a dead letter.
   */
  private async fallbackFailed(alert: Alert, reason: string, error: unknown): Promise<void> {
    const detail = `${reason}; the fallback failed: ${error instanceof Error ? error.message : String(error)}`;
    const attempts = alert.attempts + 1;
    if (attempts >= this.options.settings.maxAttempts) {
      await this.deadLetter(alert, `gave up after ${attempts} attempts; last: ${detail}`);
      return;
    }
    await this.options.claims.recordDelivery(alert.claimId, alert.id, { state: 'pending', error: detail });
    this.wait(alert, this.clock.now().getTime() + this.backoff(attempts));
  }

  private async deadLetter(alert: Alert, reason: string): Promise<void> {
    await this.recordFinal(alert, { state: 'dead', error: reason });
    this.deadTotal += 1;
    this.recentDead.unshift({ alertId: alert.id, claimId: alert.claimId, kind: alert.kind, reason, at: this.clock.now().toISOString() });
    this.recentDead.length = Math.min(this.recentDead.length, RECENT_DEAD_LETTERS);
    this.log(`alert ${alert.id} (${alert.kind}, ${alert.claimId}) dead-lettered: ${reason}`);
  }

  private async createChat(
    resolution: Extract<Resolution, { kind: 'create' }>,
  ): Promise<{ kind: 'created'; stored: StoredReference } | { kind: 'failed'; reason: string }> {
    const { tenantId, userId, endpoint } = resolution;
    const parameters: ConversationParameters = {
      isGroup: false,
      bot: { id: endpoint.bot.id, name: endpoint.bot.name ?? '' },
      // Teams accepts the user's MRI: the 29: id when the bot saw one, else 8:orgid:<AAD object id>.
      members: [{ id: resolution.teamsUserId ?? `8:orgid:${userId}`, name: '', aadObjectId: userId }],
      tenantId,
      channelData: { tenant: { id: tenantId } },
    };
    let conversationId: string | undefined;
    try {
      await this.lanes.withGlobalSlot(() =>
        createConversation(this.options.adapter, this.options.appId, endpoint.channelId, endpoint.serviceUrl, undefined, parameters, async (context) => {
          conversationId = context.activity.conversation?.id;
        }),
      );
    } catch (error) {
      const failure = classifyConnectorError(error, this.clock.now().getTime());
      return { kind: 'failed', reason: `could not open a chat with the user: ${failure.detail}` };
    }
    if (!conversationId) return { kind: 'failed', reason: 'could not open a chat with the user: no conversation id' };
    const stored = await this.options.references.recordCreatedChat(tenantId, userId, endpoint, conversationId);
    return { kind: 'created', stored };
  }

  /** Records an alert's final outcome; the health figure counts it out at once, not at the next drain. */
  private async recordFinal(alert: Alert, outcome: DeliveryOutcome): Promise<void> {
    await this.options.claims.recordDelivery(alert.claimId, alert.id, outcome);
    this.pendingCount = Math.max(0, this.pendingCount - 1);
  }

  private backoff(attempt: number): number {
    const { backoffBaseMs, backoffMaxMs } = this.options.settings;
    return backoffMs(attempt, backoffBaseMs, backoffMaxMs, this.random);
  }
}
