import type { Actor } from './actor.js';
import { BusinessCalendar } from './businessCalendar.js';
import type { AlertLeaseScope, ClaimRepository } from './claimRepository.js';
import type { Clock } from './clock.js';
import { defaultInstanceId } from './instance.js';
import type {
  CommentInput,
  CreateInput,
  DecideDisputeInput,
  DisassociateInput,
  DisputeInput,
  OptionalCommentInput,
  ReassignInput,
  RejectInput,
  RequestInformationInput,
  UpdateInput,
} from './commandInputs.js';
import type { DomainError } from './errors.js';
import type { Action } from './lifecycle.js';
import type { Alert, Claim, HistoryEntry, PoeInput, Status } from './model.js';
import type { Policy } from './policy.js';
import type { PrecheckReport } from './precheck.js';
import { runBulk, type BulkAction, type BulkItem, type BulkOutcome } from './claims/bulk.js';
import { ChangeFeed, type ClaimChangeListener } from './claims/changeFeed.js';
import { CommandRunner } from './claims/commands.js';
import { Contributions } from './claims/contributions.js';
import { ClaimCreation } from './claims/details.js';
import { Outbox, type AlertLease, type DeliveryOutcome, type HeldAlertsCheck, type HeldAlertsCheckOptions, type LeasedAlerts } from './claims/outbox.js';
import { Prechecks, type PrecheckOutcome, type PrecheckWork } from './claims/prechecks.js';
import { ClaimQueries, type QueueItem } from './claims/queries.js';
import { RecordKeyHolders } from './claims/recordKeys.js';
import { ClaimRules } from './claims/rules.js';
import { TimerRunner, type TimerFiring } from './claims/timers.js';
import { Transitions } from './claims/transition.js';
import { TransitionEffects } from './claims/transitionEffects.js';

// What the rest of the product asks of claims, in one place. The work is done by the parts in
// claims/: commands, transition effects, timers, the outbox and queries.

export type { ClaimChangeListener } from './claims/changeFeed.js';
export type { AlertLease, DeliveryOutcome, HeldAlertsCheck, HeldAlertsCheckOptions, LeasedAlerts } from './claims/outbox.js';
export type { PrecheckOutcome, PrecheckWork } from './claims/prechecks.js';
export type { QueueItem } from './claims/queries.js';
export type { TimerFiring } from './claims/timers.js';
export type { BulkAction, BulkItem, BulkOutcome } from './claims/bulk.js';

export interface ClaimServiceOptions {
  repository: ClaimRepository;
  policy: Policy;
  clock: Clock;
  /** This instance, as the owner of the leases it takes (default: host, pid and a random part). */
  instanceId?: string;
}

export class ClaimService {
  readonly policy: Policy;
  /** The owner of the leases this service takes. */
  readonly instanceId: string;
  private readonly clock: Clock;
  private readonly feed = new ChangeFeed();
  private readonly creation: ClaimCreation;
  private readonly commands: CommandRunner;
  private readonly timers: TimerRunner;
  private readonly outbox: Outbox;
  private readonly queries: ClaimQueries;
  private readonly rules: ClaimRules;
  private readonly prechecks: Prechecks;

  constructor(options: ClaimServiceOptions) {
    const { repository, policy, clock } = options;
    this.instanceId = options.instanceId ?? defaultInstanceId();
    this.policy = policy;
    this.clock = clock;
    const feed = this.feed;
    const keyHolders = new RecordKeyHolders(repository);
    const rules = new ClaimRules(policy, keyHolders);
    this.rules = rules;
    const effects = new TransitionEffects(policy, new BusinessCalendar(policy.timeZone, policy.holidays));
    const transitions = new Transitions({ repository, clock, rules, effects, keyHolders, feed });
    const contributions = new Contributions(policy, clock);
    this.creation = new ClaimCreation(repository, policy, clock, feed);
    this.commands = new CommandRunner({ transitions, keyHolders, contributions, clock });
    this.timers = new TimerRunner(repository, effects, feed, this.instanceId);
    this.outbox = new Outbox(repository, clock);
    this.queries = new ClaimQueries(repository, clock, keyHolders);
    this.prechecks = new Prechecks(repository, policy, clock, feed);
  }

  /** Subscribes to committed changes; returns the unsubscribe function. */
  onChange(listener: ClaimChangeListener): () => void {
    return this.feed.subscribe(listener);
  }

  // ---- commands -------------------------------------------------------------------------

  create(actor: Actor, input: CreateInput): Promise<Claim> {
    return this.creation.create(actor, input);
  }

  update(actor: Actor, claimId: string, version: number, input: UpdateInput): Promise<Claim> {
    return this.commands.run('update', actor, claimId, version, input);
  }

  addPoe(actor: Actor, claimId: string, version: number, file: PoeInput): Promise<Claim> {
    return this.commands.run('addPoe', actor, claimId, version, file);
  }

  submit(actor: Actor, claimId: string, version: number): Promise<Claim> {
    return this.commands.run('submit', actor, claimId, version);
  }

  async discard(actor: Actor, claimId: string, version: number): Promise<void> {
    await this.commands.run('discard', actor, claimId, version);
  }

  startReview(actor: Actor, claimId: string, version: number): Promise<Claim> {
    return this.commands.run('startReview', actor, claimId, version);
  }

  requestInformation(actor: Actor, claimId: string, version: number, input: RequestInformationInput): Promise<Claim> {
    return this.commands.run('requestInformation', actor, claimId, version, input);
  }

  resubmit(actor: Actor, claimId: string, version: number, input: OptionalCommentInput = {}): Promise<Claim> {
    return this.commands.run('resubmit', actor, claimId, version, input);
  }

  approve(actor: Actor, claimId: string, version: number, input: OptionalCommentInput = {}): Promise<Claim> {
    return this.commands.run('approve', actor, claimId, version, input);
  }

  reject(actor: Actor, claimId: string, version: number, input: RejectInput): Promise<Claim> {
    return this.commands.run('reject', actor, claimId, version, input);
  }

  withdraw(actor: Actor, claimId: string, version: number, input: OptionalCommentInput = {}): Promise<Claim> {
    return this.commands.run('withdraw', actor, claimId, version, input);
  }

  optOut(actor: Actor, claimId: string, version: number): Promise<Claim> {
    return this.commands.run('optOut', actor, claimId, version);
  }

  dispute(actor: Actor, claimId: string, version: number, input: DisputeInput): Promise<Claim> {
    return this.commands.run('dispute', actor, claimId, version, input);
  }

  decideDispute(actor: Actor, claimId: string, version: number, input: DecideDisputeInput): Promise<Claim> {
    return this.commands.run('decideDispute', actor, claimId, version, input);
  }

  disassociate(actor: Actor, claimId: string, version: number, input: DisassociateInput): Promise<Claim> {
    return this.commands.run('disassociate', actor, claimId, version, input);
  }

  comment(actor: Actor, claimId: string, version: number, input: CommentInput): Promise<Claim> {
    return this.commands.run('comment', actor, claimId, version, input);
  }

  /** Hands the claim to another reviewer (`assignee` as the directory resolved them). */
  reassign(actor: Actor, claimId: string, version: number, input: ReassignInput): Promise<Claim> {
    return this.commands.run('reassign', actor, claimId, version, input);
  }

  /**
   * One decision on several claims (the queue's selection): each claim checked, changed and
   * recorded on its own, at the version the reviewer saw; a refusal leaves the others alone.
   */
  decideMany(actor: Actor, action: BulkAction, items: readonly BulkItem[], input: unknown = {}): Promise<BulkOutcome[]> {
    return runBulk((name, who, claimId, version, shared) => this.commands.run(name, who, claimId, version, shared), actor, action, items, input);
  }

  /**
   * Fires every timer due at `now`, earliest deadline first across all claims, each exactly once.
   * Only one tick runs at a time; a call during a tick waits for it and then runs its own.
   */
  tick(now: Date = this.clock.now()): Promise<TimerFiring[]> {
    return this.timers.tick(now);
  }

  // ---- the PoE pre-check, for its runner (as the system) --------------------------------

  /** Claims that may hold PoE files for this checker to check (not finished ones). */
  precheckCandidates(checkerVersion: string): Promise<string[]> {
    return this.prechecks.candidates(checkerVersion);
  }

  /** The claim's files without a report of this checker version against its current facts. */
  precheckWork(claimId: string, checkerVersion: string): Promise<PrecheckWork | undefined> {
    return this.prechecks.work(claimId, checkerVersion);
  }

  /** Whether this copy of a claim (as a change listener got it) has files to check: no store read. */
  needsPrecheck(claim: Readonly<Claim>, checkerVersion: string): boolean {
    return this.prechecks.workOn(claim, checkerVersion) !== undefined;
  }

  /** Keeps a report with its file (history, version, the partner's checklist alert); idempotent. */
  recordPrecheck(claimId: string, fileId: string, report: PrecheckReport, factsDigest: string): Promise<PrecheckOutcome> {
    return this.prechecks.record(claimId, fileId, report, factsDigest);
  }

  // ---- the outbox, for the delivery worker ------------------------------------------------

  /**
   * Alerts waiting to be delivered, oldest first. `except` names alerts the caller already holds
   * (by claim): a claim all of whose pending alerts are held is skipped without being read.
   */
  pendingAlerts(limit = 100, except: ReadonlyMap<string, ReadonlySet<string>> = new Map()): Promise<Alert[]> {
    return this.outbox.pendingAlerts(limit, except);
  }

  /** Pending alerts of claims leased to `lease.owner`, so instances never work on one claim's alerts at once. */
  leasePendingAlerts(
    lease: AlertLease,
    limit: number,
    except: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
    scope: AlertLeaseScope = {},
  ): Promise<LeasedAlerts> {
    return this.outbox.leasePendingAlerts(lease, limit, except, scope);
  }

  /** What became of the alerts a worker holds, and what its claims recorded since (see Outbox). */
  checkHeldAlerts(held: ReadonlyMap<string, ReadonlySet<string>>, options: HeldAlertsCheckOptions): Promise<HeldAlertsCheck> {
    return this.outbox.checkHeldAlerts(held, options);
  }

  /** Extends the owner's alert leases; returns the claims it still holds. */
  renewAlertLeases(lease: AlertLease, claimIds: readonly string[]): Promise<string[]> {
    return this.outbox.renewAlertLeases(lease, claimIds);
  }

  /** The claims whose alerts `lease.owner` holds now (a restarted instance's, from before). */
  alertClaimsLeasedTo(lease: AlertLease): Promise<string[]> {
    return this.outbox.alertClaimsLeasedTo(lease);
  }

  releaseAlertLeases(owner: string, claimIds: readonly string[]): Promise<void> {
    return this.outbox.releaseAlertLeases(owner, claimIds);
  }

  /** Records what became of one delivery attempt; `sent` is final. */
  recordDelivery(claimId: string, alertId: string, outcome: DeliveryOutcome): Promise<Alert | undefined> {
    return this.outbox.recordDelivery(claimId, alertId, outcome);
  }

  // ---- queries --------------------------------------------------------------------------

  get(actor: Actor, claimId: string): Promise<Claim> {
    return this.queries.get(actor, claimId);
  }

  history(actor: Actor, claimId: string): Promise<HistoryEntry[]> {
    return this.queries.history(actor, claimId);
  }

  /** The actor's organisation's claims, most recently changed first. */
  search(actor: Actor, text: string, options: { limit?: number } = {}): Promise<Claim[]> {
    return this.queries.search(actor, text, options);
  }

  listForPartner(actor: Actor, options: { statuses?: readonly Status[]; limit?: number; offset?: number } = {}): Promise<{ total: number; claims: Claim[] }> {
    return this.queries.listForPartner(actor, options);
  }

  /** Claims waiting for a reviewer, oldest first, with SLA age and competing claims. */
  reviewQueue(actor: Actor, options: { limit?: number } = {}): Promise<QueueItem[]> {
    return this.queries.reviewQueue(actor, options);
  }

  /** The association requests the actor's tenant, as a customer, may still opt out of. */
  async optOutChoices(actor: Actor, options: { limit?: number } = {}): Promise<Claim[]> {
    const now = this.clock.now();
    return (await this.queries.listForCustomer(actor, options)).filter((claim) => this.allowedActions(actor, claim, now).has('optOut'));
  }

  /** The actions `actor` may take on `claim` at `now`, by the checks the commands make. */
  allowedActions(actor: Actor, claim: Claim, now: Date = this.clock.now()): ReadonlySet<Action> {
    return this.rules.allowedActions(actor, claim, now);
  }

  /** Why `actor` may not take `action` on `claim` now (the error the command would raise), if so. */
  refusal(actor: Actor, claim: Claim, action: Action, now: Date = this.clock.now()): DomainError | undefined {
    return this.rules.refusal(actor, claim, action, now);
  }
}
