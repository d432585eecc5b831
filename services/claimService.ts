import { randomUUID } from 'node:crypto';
import { assertCanView, authorize } from './access.js';
import { isPartnerRole, SYSTEM_ACTOR_ID, type ActingRole, type Actor } from './actor.js';
import { recordAlert, type AlertSpec } from './alerts.js';
import { BusinessCalendar } from './businessCalendar.js';
import { solutionAreaOf } from './catalogue.js';
import { recordKeysOf } from './claimFacts.js';
import { checkDetails, checkPoe, missingForSubmission, parseInput } from './claimValidation.js';
import { customerMayOptOut, optOutRuleOf } from './consentRules.js';
import { overallDecisionDue } from './decisionDate.js';
import type { Clock } from './clock.js';
import {
  CommentInputSchema,
  CreateInputSchema,
  DecideDisputeInputSchema,
  DisassociateInputSchema,
  DisputeInputSchema,
  OptionalCommentInputSchema,
  RejectInputSchema,
  RequestInformationInputSchema,
  UpdateInputSchema,
  type CommentInput,
  type CreateInput,
  type DecideDisputeInput,
  type DisassociateInput,
  type DisputeInput,
  type OptionalCommentInput,
  type RejectInput,
  type RequestInformationInput,
  type UpdateInput,
} from './commandInputs.js';
import { DomainError, isDomainError } from './errors.js';
import { ACTIONS, rowFor, rowsFor, type Action, type GuardName, type TransitionRow } from './lifecycle.js';
import {
  PoeInputSchema,
  type Alert,
  type Claim,
  type ClaimDetails,
  type ClaimDocument,
  type DeadlineName,
  type FieldChange,
  type HistoryEntry,
  type PoeInput,
  type RejectionReason,
  type Side,
  type Status,
  type Timer,
} from './model.js';
import type { Policy } from './policy.js';
import { KeyedMutex } from './store/keyedMutex.js';
import type { ClaimRepository } from './claimRepository.js';

// The one place a claim changes. Every command: authorize the actor, check the version they saw,
// find the lifecycle row, run its guards, apply its effects, append history and record alerts,
// all in one atomic write of the claim's document.

const DAY_MS = 24 * 60 * 60 * 1000;
/** Fields a partner may still change once a claim is submitted (SPEC section 3). */
const EDITABLE_AFTER_SUBMIT = new Set<keyof ClaimDetails>(['partnerId', 'workloads', 'customerContact', 'technicalContact', 'partnerContact']);
const REVIEW_STATUSES: readonly Status[] = ['Submitted', 'InReview', 'Disputed'];
/** Deadlines whose reminders and lapses go to reviewers as SLA alerts, changing nothing. */
const REVIEWER_DEADLINES = new Set<DeadlineName>(['reviewStart', 'reviewDecision', 'disputeDecision', 'decision']);
const GUARDS_AFTER_CHANGE = new Set<GuardName>(['complete', 'noDuplicate']);
const EDITOR_ROLES = new Set(rowsFor('submit').flatMap((row) => row.roles));

/** Other active claims on a claim's partner-of-record keys, sorted by id. */
type KeyHolders = readonly { id: string; partnerTenantId: string }[];

export interface ClaimServiceOptions {
  repository: ClaimRepository;
  policy: Policy;
  clock: Clock;
}

/** What one command asks of the transition machinery. */
interface Change {
  action: Action;
  /** Mutates the copy of the claim before the row's own effects; returns field changes. */
  apply?: (claim: Claim, role: ActingRole) => FieldChange[];
  reason?: RejectionReason;
  comment?: string;
  reasons?: string[];
  /** Appended to every alert this change records. */
  alertExtra?: Record<string, unknown>;
}

/** Told after every committed change of a claim (by a command or a timer), e.g. to refresh cards. */
export type ClaimChangeListener = (claim: Claim) => void;

export interface DeliveryOutcome {
  state: 'sent' | 'pending' | 'dead';
  error?: string;
}

export interface TimerFiring {
  claimId: string;
  deadline: DeadlineName;
  kind: Timer['kind'];
  dueAt: string;
  outcome: 'alerted' | 'superseded' | 'transitioned' | 'closed';
}

export interface QueueItem {
  claim: Claim;
  /** The SLA deadline of the claim's current status. */
  slaDue?: string;
  ageMs: number;
  overdue: boolean;
  competingWith: string[];
  ownOrganisation: boolean;
}

export class ClaimService {
  readonly policy: Policy;
  private readonly repository: ClaimRepository;
  private readonly clock: Clock;
  private readonly calendar: BusinessCalendar;
  /** Serializes changes that can make two claims compete for one key, so checks see each other. */
  private readonly recordKeyGate = new KeyedMutex();
  private tickInFlight: Promise<TimerFiring[]> | undefined;
  private readonly listeners = new Set<ClaimChangeListener>();
  /** The key holders read with a claim, for allowedActions' duplicate check (by object). */
  private readonly knownKeyHolders = new WeakMap<Claim, KeyHolders>();

  constructor(options: ClaimServiceOptions) {
    this.repository = options.repository;
    this.policy = options.policy;
    this.clock = options.clock;
    this.calendar = new BusinessCalendar(options.policy.timeZone, options.policy.holidays);
  }

  /** Subscribes to committed changes; returns the unsubscribe function. */
  onChange(listener: ClaimChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- commands -------------------------------------------------------------------------

  async create(actor: Actor, input: CreateInput): Promise<Claim> {
    const organisation = actor.organisation;
    const role = actor.roles.find((candidate) => isPartnerRole(candidate) && EDITOR_ROLES.has(candidate));
    if (!organisation || !role) throw new DomainError('not-allowed', { action: 'create' });
    const details: ClaimDetails = parseInput(CreateInputSchema, input);
    if (!details.partnerId && organisation.partnerIds.length === 1) details.partnerId = organisation.partnerIds[0];
    if (details.workloads) details.workloads = [...new Set(details.workloads)];
    if (details.program) details.solutionArea = solutionAreaOf(details.program);
    checkDetails(details, organisation);

    const now = this.clock.now();
    const id = await this.repository.allocateId(now);
    const claim: Claim = {
      id,
      version: 1,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      createdBy: actor.userId,
      partnerTenantId: organisation.tenantId,
      partnerName: organisation.name,
      status: 'Draft',
      statusSince: now.toISOString(),
      terms: {
        catalogue: this.policy.catalogue,
        customerOptOut: this.policy.customerOptOut,
        consentNoticeAt: this.policy.consentNoticeAt,
        disputeInformationRequest: this.policy.disputeInformationRequest,
      },
      details,
      disputesUsed: 0,
      deadlines: {},
      timers: [],
      poe: [],
      comments: [],
      history: [],
    };
    claim.history.push({
      seq: 1,
      at: now.toISOString(),
      actorId: actor.userId,
      actorTenantId: actor.tenantId,
      ...(actor.displayName ? { actorName: actor.displayName.slice(0, 200) } : {}),
      role,
      action: 'create',
      toStatus: 'Draft',
      changes: diffDetails({}, details),
    });
    await this.repository.insert({ claim, outbox: [] });
    this.notify(claim);
    return claim;
  }

  async update(actor: Actor, claimId: string, version: number, input: UpdateInput): Promise<Claim> {
    const requested = parseInput(UpdateInputSchema, input);
    if (requested.workloads) requested.workloads = [...new Set(requested.workloads)];
    return this.gated(() =>
      this.transition(actor, claimId, version, {
        action: 'edit',
        apply: (claim) => {
          if (claim.status !== 'Draft') {
            const locked = Object.keys(requested).filter((field) => !EDITABLE_AFTER_SUBMIT.has(field as keyof ClaimDetails));
            if (locked.length) {
              throw new DomainError('validation', {
                issues: locked.map((field) => ({ field, problem: 'not-editable' as const })),
              });
            }
          }
          const next: ClaimDetails = { ...claim.details, ...stripUndefined(requested) };
          if (next.program) next.solutionArea = solutionAreaOf(next.program);
          checkDetails(next, this.organisationOf(actor));
          const changes = diffDetails(claim.details, next);
          claim.details = next;
          return changes;
        },
      }),
    );
  }

  async addPoe(actor: Actor, claimId: string, version: number, file: PoeInput): Promise<Claim> {
    const poe = parseInput(PoeInputSchema.strict(), file);
    return this.transition(actor, claimId, version, {
      action: 'addPoe',
      apply: (claim) => this.attachPoe(claim, [poe], actor),
    });
  }

  async submit(actor: Actor, claimId: string, version: number): Promise<Claim> {
    return this.gated(() => this.transition(actor, claimId, version, { action: 'submit' }));
  }

  async discard(actor: Actor, claimId: string, version: number): Promise<void> {
    await this.transition(actor, claimId, version, { action: 'discard' });
  }

  async startReview(actor: Actor, claimId: string, version: number): Promise<Claim> {
    return this.transition(actor, claimId, version, { action: 'startReview' });
  }

  async requestInformation(actor: Actor, claimId: string, version: number, input: RequestInformationInput): Promise<Claim> {
    const { reasons, comment } = parseInput(RequestInformationInputSchema, input);
    return this.transition(actor, claimId, version, {
      action: 'requestInformation',
      reasons,
      comment,
      apply: (claim, role) => {
        claim.informationRequest = { reasons, comment, at: this.clock.now().toISOString() };
        this.appendComment(claim, actor, role, comment);
        return [{ field: 'informationRequest', to: { reasons } }];
      },
    });
  }

  async resubmit(actor: Actor, claimId: string, version: number, input: OptionalCommentInput = {}): Promise<Claim> {
    const { comment } = parseInput(OptionalCommentInputSchema, input);
    return this.transition(actor, claimId, version, {
      action: 'resubmit',
      comment,
      apply: (claim, role) => this.appendComment(claim, actor, role, comment),
    });
  }

  async approve(actor: Actor, claimId: string, version: number, input: OptionalCommentInput = {}): Promise<Claim> {
    const { comment } = parseInput(OptionalCommentInputSchema, input);
    return this.transition(actor, claimId, version, {
      action: 'approve',
      comment,
      apply: (claim, role) => this.appendComment(claim, actor, role, comment),
    });
  }

  async reject(actor: Actor, claimId: string, version: number, input: RejectInput): Promise<Claim> {
    const { reason, comment } = parseInput(RejectInputSchema, input);
    return this.transition(actor, claimId, version, {
      action: 'reject',
      reason,
      comment,
      apply: (claim, role) => this.appendComment(claim, actor, role, comment),
    });
  }

  async withdraw(actor: Actor, claimId: string, version: number, input: OptionalCommentInput = {}): Promise<Claim> {
    const { comment } = parseInput(OptionalCommentInputSchema, input);
    return this.transition(actor, claimId, version, {
      action: 'withdraw',
      comment,
      apply: (claim, role) => this.appendComment(claim, actor, role, comment),
    });
  }

  async optOut(actor: Actor, claimId: string, version: number): Promise<Claim> {
    return this.transition(actor, claimId, version, { action: 'optOut' });
  }

  async dispute(actor: Actor, claimId: string, version: number, input: DisputeInput): Promise<Claim> {
    const { justification, poe } = parseInput(DisputeInputSchema, input);
    return this.transition(actor, claimId, version, {
      action: 'dispute',
      comment: justification,
      apply: (claim, role) => [...this.attachPoe(claim, poe ?? [], actor), ...this.appendComment(claim, actor, role, justification)],
    });
  }

  async decideDispute(actor: Actor, claimId: string, version: number, input: DecideDisputeInput): Promise<Claim> {
    const { outcome, comment } = parseInput(DecideDisputeInputSchema, input);
    const action = outcome === 'overturn' ? 'overturn' : 'uphold';
    return this.gated(() =>
      this.transition(actor, claimId, version, {
        action,
        comment,
        apply: (claim, role) => this.appendComment(claim, actor, role, comment),
      }),
    );
  }

  async disassociate(actor: Actor, claimId: string, version: number, input: DisassociateInput): Promise<Claim> {
    const { reason } = parseInput(DisassociateInputSchema, input);
    return this.transition(actor, claimId, version, {
      action: 'disassociate',
      comment: reason,
      apply: (claim, role) => this.appendComment(claim, actor, role, reason),
    });
  }

  async comment(actor: Actor, claimId: string, version: number, input: CommentInput): Promise<Claim> {
    const { text } = parseInput(CommentInputSchema, input);
    return this.transition(actor, claimId, version, {
      action: 'comment',
      comment: text,
      apply: (claim, role) => this.appendComment(claim, actor, role, text),
      alertExtra: { commentText: text, commentBy: actor.displayName ?? actor.userId },
    });
  }

  /**
   * Fires every timer due at `now`, earliest deadline first across all claims, each exactly once.
   * Only one tick runs at a time; a call during a tick waits for it and then runs its own.
   */
  async tick(now: Date = this.clock.now()): Promise<TimerFiring[]> {
    const previous = this.tickInFlight ?? Promise.resolve([]);
    const run = previous.catch(() => []).then(() => this.fireDueTimers(now));
    this.tickInFlight = run;
    try {
      return await run;
    } finally {
      if (this.tickInFlight === run) this.tickInFlight = undefined;
    }
  }

  // ---- the outbox, for the delivery worker ------------------------------------------------

  /**
   * Alerts waiting to be delivered, oldest first. `except` names alerts the caller already holds
   * (by claim): a claim all of whose pending alerts are held is skipped without being read, so a
   * large backlog for a throttled conversation costs nothing per pass.
   */
  async pendingAlerts(limit = 100, except: ReadonlyMap<string, ReadonlySet<string>> = new Map()): Promise<Alert[]> {
    const alerts: Alert[] = [];
    let claimsRead = 0;
    // Claims come oldest pending alert first, and each holds at least one alert not excepted, so
    // the `limit` oldest alerts are all among the first `limit` claims read.
    const claimIds = await this.repository.idsWithPendingAlerts();
    const pendingByClaim = except.size
      ? new Map((await this.repository.summaries([...except.keys()])).map((summary) => [summary.id, summary.pendingAlerts]))
      : new Map<string, number>();
    for (const claimId of claimIds) {
      if (claimsRead >= limit) break;
      const held = except.get(claimId);
      if (held && held.size >= (pendingByClaim.get(claimId) ?? 0)) continue;
      const document = await this.repository.get(claimId);
      if (!document) continue;
      claimsRead += 1;
      alerts.push(...document.outbox.filter((alert) => alert.state === 'pending' && !held?.has(alert.id)));
    }
    // Stable sort: alerts of one change keep the order the lifecycle row gives them.
    return alerts.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.claimId.localeCompare(b.claimId)).slice(0, limit);
  }

  /**
   * Records what became of one delivery attempt. `sent` is final: a later report for the same
   * alert changes nothing, so a retry racing a success can never resurrect it.
   */
  async recordDelivery(claimId: string, alertId: string, outcome: DeliveryOutcome): Promise<Alert | undefined> {
    return this.repository.update(claimId, (document) => {
      const alert = document.outbox.find((candidate) => candidate.id === alertId);
      if (!alert || alert.state !== 'pending') return { next: 'unchanged', result: alert };
      const updated: Alert = {
        ...alert,
        attempts: alert.attempts + 1,
        state: outcome.state,
        ...(outcome.state === 'sent' ? { sentAt: this.clock.now().toISOString() } : {}),
        ...(outcome.error ? { lastError: outcome.error.slice(0, 500) } : {}),
      };
      const outbox = document.outbox.map((candidate) => (candidate.id === alertId ? updated : candidate));
      return { next: { ...document, outbox }, result: updated };
    });
  }

  // ---- queries --------------------------------------------------------------------------

  async get(actor: Actor, claimId: string): Promise<Claim> {
    const document = await this.load(claimId);
    assertCanView(actor, document.claim);
    // What the duplicate guard needs, read now so that allowedActions can answer synchronously.
    if (USER_ACTIONS.some((action) => rowFor(action, document.claim.status, document.claim.consentPhase)?.guards.includes('noDuplicate'))) {
      this.knownKeyHolders.set(document.claim, await this.keyHoldersOf(document.claim));
    }
    return document.claim;
  }

  async history(actor: Actor, claimId: string): Promise<HistoryEntry[]> {
    const document = await this.load(claimId);
    if (assertCanView(actor, document.claim) === 'customer') {
      throw new DomainError('not-allowed', { claimId, action: 'history' });
    }
    return document.claim.history;
  }

  /** The actor's organisation's claims, most recently changed first. */
  async listForPartner(
    actor: Actor,
    options: { statuses?: readonly Status[]; limit?: number; offset?: number } = {},
  ): Promise<{ total: number; claims: Claim[] }> {
    const organisation = actor.organisation;
    if (!organisation || !actor.roles.some(isPartnerRole)) throw new DomainError('not-allowed', { action: 'list' });
    const wanted = options.statuses ? new Set(options.statuses) : undefined;
    const summaries = (await this.repository.summaries(await this.repository.idsForOrganisation(organisation.tenantId)))
      .filter((summary) => !wanted || wanted.has(summary.status))
      .sort((a, b) => b.statusSince.localeCompare(a.statusSince) || b.id.localeCompare(a.id));
    const offset = options.offset ?? 0;
    const page = summaries.slice(offset, offset + (options.limit ?? 20));
    const claims = await Promise.all(page.map(async (summary) => (await this.load(summary.id)).claim));
    return { total: summaries.length, claims };
  }

  /** Claims waiting for a reviewer, oldest first, with SLA age and competing claims. */
  async reviewQueue(actor: Actor, options: { limit?: number } = {}): Promise<QueueItem[]> {
    if (!actor.roles.includes('reviewer')) throw new DomainError('not-allowed', { action: 'queue' });
    const now = this.clock.now().getTime();
    const summaries = (await this.repository.summaries(await this.repository.idsInStatuses(REVIEW_STATUSES)))
      .sort((a, b) => a.statusSince.localeCompare(b.statusSince) || a.id.localeCompare(b.id))
      .slice(0, options.limit ?? 50);
    return Promise.all(
      summaries.map(async (summary) => {
        const { claim } = await this.load(summary.id);
        const slaDue = claim.deadlines[slaDeadlineOf(claim.status)];
        return {
          claim,
          slaDue,
          ageMs: now - Date.parse(claim.statusSince),
          overdue: slaDue !== undefined && Date.parse(slaDue) <= now,
          competingWith: await this.competitorsOf(claim),
          ownOrganisation: actor.organisation?.tenantId === claim.partnerTenantId,
        };
      }),
    );
  }

  // ---- what may be done ---------------------------------------------------------------------

  /**
   * The actions `actor` may take on `claim` at `now`: the same role, tenant, status, guard and
   * deadline checks the commands make, without changing anything (the version is the caller's to
   * carry). Cards offer exactly these; dialogs and card handlers start only these.
   */
  allowedActions(actor: Actor, claim: Claim, now: Date = this.clock.now()): ReadonlySet<Action> {
    return new Set(USER_ACTIONS.filter((action) => this.refusal(actor, claim, action, now) === undefined));
  }

  /** Why `actor` may not take `action` on `claim` now (the error the command would raise), if so. */
  refusal(actor: Actor, claim: Claim, action: Action, now: Date = this.clock.now()): DomainError | undefined {
    const row = rowFor(action, claim.status, claim.consentPhase);
    if (!row) return new DomainError('invalid-transition', { claimId: claim.id, status: claim.status, action });
    try {
      const role = authorize(action, actor, claim);
      assertRowAllows(row, role, claim);
      this.runGuards(row, 'before-change', actor, role, claim, now);
      this.runGuards(row, 'after-change', actor, role, claim, now, this.knownKeyHolders.get(claim));
      return undefined;
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return error as DomainError;
    }
  }

  // ---- the transition machinery ---------------------------------------------------------

  private async transition(actor: Actor, claimId: string, version: number, change: Change): Promise<Claim> {
    const claim = await this.commit(actor, claimId, version, change);
    if (claim.status !== 'Draft' || change.action !== 'discard') this.notify(claim);
    return claim;
  }

  private async commit(actor: Actor, claimId: string, version: number, change: Change): Promise<Claim> {
    const now = this.clock.now();
    return this.repository.update(claimId, async (document) => {
      const current = document.claim;
      const role = authorize(change.action, actor, current);
      if (current.version !== version) {
        throw new DomainError('stale-version', { claimId, version: current.version });
      }
      const row = rowFor(change.action, current.status, current.consentPhase);
      if (!row) throw new DomainError('invalid-transition', { claimId, status: current.status, action: change.action });
      assertRowAllows(row, role, current);
      if (row.to === 'deleted') return { next: 'delete', result: current };

      const claim = structuredClone(current);
      this.runGuards(row, 'before-change', actor, role, claim, now);
      const fieldChanges = change.apply?.(claim, role) ?? [];
      // Read inside the update: a database engine answers from the same transaction.
      const holders = row.guards.includes('noDuplicate') ? await this.keyHoldersOf(claim) : [];
      const competingWith = this.runGuards(row, 'after-change', actor, role, claim, now, holders);
      const next = this.applyRow(document, claim, row, change, {
        actorId: actor.userId,
        actorTenantId: actor.tenantId,
        ...(actor.displayName ? { actorName: actor.displayName.slice(0, 200) } : {}),
        role,
        side: sideOf(role),
        now,
        fieldChanges,
        alertExtra: { ...change.alertExtra, ...(competingWith.length ? { competingWith } : {}) },
      });
      if (row.guards.includes('noDuplicate')) this.knownKeyHolders.set(next.claim, holders);
      return { next, result: next.claim };
    });
  }

  /** Guards on what the claim will be (completeness, duplicates) run after the command's change. */
  private runGuards(
    row: TransitionRow,
    phase: 'before-change' | 'after-change',
    actor: Actor,
    role: ActingRole,
    claim: Claim,
    now: Date,
    holders?: KeyHolders,
  ): string[] {
    let competingWith: string[] = [];
    for (const guard of row.guards) {
      if (GUARDS_AFTER_CHANGE.has(guard) !== (phase === 'after-change')) continue;
      const outcome = this.guard(guard, actor, role, claim, now, holders);
      if (outcome) competingWith = outcome;
    }
    return competingWith;
  }

  /**
   * Throws when the guard fails; `noDuplicate` returns the competing claims it found. Without
   * `holders` (a claim not read through `get`) `noDuplicate` passes: the command checks again.
   */
  private guard(name: GuardName, actor: Actor, role: ActingRole, claim: Claim, now: Date, holders?: KeyHolders): string[] | void {
    switch (name) {
      case 'editable':
        if (!this.policy.editableStatuses.includes(claim.status)) {
          throw new DomainError('invalid-transition', { claimId: claim.id, status: claim.status, action: 'edit' });
        }
        return;
      case 'complete': {
        const issues = missingForSubmission(claim);
        if (issues.length) throw new DomainError('incomplete', { claimId: claim.id, issues });
        return;
      }
      case 'noDuplicate': {
        if (!holders) return [];
        const duplicate = holders.find((holder) => holder.partnerTenantId === claim.partnerTenantId);
        if (duplicate) throw new DomainError('duplicate-claim', { claimId: claim.id, existingClaimId: duplicate.id });
        return holders.filter((holder) => holder.partnerTenantId !== claim.partnerTenantId).map((holder) => holder.id);
      }
      case 'notOwnOrganisation':
        if (role === 'reviewer' && actor.organisation?.tenantId === claim.partnerTenantId) {
          throw new DomainError('own-organisation', { claimId: claim.id });
        }
        return;
      case 'optOutOpen':
        if (customerMayOptOut(claim, now)) return;
        // Under the seeds' terms there is nothing to opt out of before approval.
        if (optOutRuleOf(claim) === 'consent-window' && claim.status !== 'Approved') {
          throw new DomainError('invalid-transition', { claimId: claim.id, status: claim.status, action: 'optOut' });
        }
        throw new DomainError('window-closed', { claimId: claim.id, window: 'consent' });
      case 'disputeInformationAllowed':
        // The terms the claim was filed under, as the card that offers the action reads them.
        if (!claim.terms?.disputeInformationRequest) {
          throw new DomainError('invalid-transition', { claimId: claim.id, status: claim.status, action: 'requestInformation' });
        }
        return;
      case 'disputeAllowed': {
        const rejection = claim.rejection;
        if (claim.disputesUsed >= this.policy.maxDisputes) {
          throw new DomainError('dispute-used', { claimId: claim.id });
        }
        if (!rejection || rejection.final) {
          throw new DomainError('invalid-transition', { claimId: claim.id, status: claim.status, action: 'dispute' });
        }
        const closes = claim.deadlines.disputeWindow;
        if (claim.disputeWindowClosed || !closes || now.getTime() >= Date.parse(closes)) {
          throw new DomainError('window-closed', { claimId: claim.id, window: 'dispute' });
        }
        return;
      }
      case 'disassociationAllowed':
        if (!this.policy.allowDisassociation) {
          throw new DomainError('invalid-transition', { claimId: claim.id, status: claim.status, action: 'disassociate' });
        }
        return;
    }
  }

  /** Applies a row's effects to `claim` (already a copy) and returns the document to store. */
  private applyRow(
    document: ClaimDocument,
    claim: Claim,
    row: TransitionRow,
    change: Change,
    context: {
      actorId: string;
      actorTenantId?: string;
      actorName?: string;
      role: ActingRole;
      side?: Side;
      now: Date;
      fieldChanges: FieldChange[];
      alertExtra: Record<string, unknown>;
    },
  ): ClaimDocument {
    const { now } = context;
    const at = now.toISOString();
    const fromStatus = claim.status;
    const changes = [...context.fieldChanges];

    if (row.to !== 'same' && row.to !== 'deleted') {
      claim.status = row.to;
      claim.statusSince = at;
      claim.timers = [];
      claim.deadlines = {};
      if (row.to !== 'Approved') delete claim.consentPhase;
      if (row.to !== 'Rejected' && row.to !== 'Disputed') delete claim.rejection;
      if (row.to !== 'PartnerActionRequired') delete claim.informationRequest;
      changes.push({ field: 'status', from: fromStatus, to: row.to });
    }
    if (row.consentPhase && row.consentPhase !== claim.consentPhase) {
      changes.push({ field: 'consentPhase', ...(claim.consentPhase ? { from: claim.consentPhase } : {}), to: row.consentPhase });
      claim.consentPhase = row.consentPhase;
    }
    if (row.rejection) {
      // Upholding a dispute keeps the reason of the rejection that was disputed.
      const reason = row.rejection.reason ?? change.reason ?? claim.rejection?.reason;
      if (!reason) throw new Error(`row ${row.action} rejects without a reason`);
      claim.rejection = { reason, at, final: row.rejection.final, ...(change.comment ? { comment: change.comment } : {}) };
      changes.push({ field: 'rejection', to: { reason, final: row.rejection.final } });
    }
    if (row.action === 'submit') claim.submittedAt = at;
    if (row.action === 'dispute') claim.disputesUsed += 1;
    if (row.action === 'disputeWindowClose') {
      claim.disputeWindowClosed = true;
      changes.push({ field: 'disputeWindowClosed', from: false, to: true });
    }
    for (const deadline of row.startTimers) this.startTimer(claim, deadline, now);

    claim.version += 1;
    claim.updatedAt = at;
    claim.history.push({
      seq: claim.history.length + 1,
      at,
      actorId: context.actorId,
      ...(context.actorTenantId ? { actorTenantId: context.actorTenantId } : {}),
      ...(context.actorName ? { actorName: context.actorName } : {}),
      role: context.role,
      action: row.action,
      fromStatus,
      toStatus: claim.status,
      changes,
      ...(change.reasons ? { reasons: change.reasons } : {}),
      ...(change.comment ? { comment: change.comment } : {}),
    });
    const decisionDue = overallDecisionDue(claim, this.calendar, this.policy.timers.decision.length);
    if (decisionDue) claim.decisionDue = decisionDue;
    else delete claim.decisionDue;
    // Timers were reset with the status; while waiting for the partner the date is not final. A
    // date already past was announced by the tick that found it due, so it is not announced again.
    if (fromStatus !== claim.status && decisionDue && claim.status !== 'PartnerActionRequired' && Date.parse(decisionDue) > now.getTime()) {
      this.scheduleTimer(claim, 'decision', new Date(decisionDue), now);
    }

    // The terms the claim was filed under, so a preset changed later never notifies twice or never.
    const noticeAt = claim.terms?.consentNoticeAt ?? 'approval';
    const effects = row.alerts.filter((effect) => !effect.consentNoticeAt || effect.consentNoticeAt === noticeAt);
    const alerts = effects.map((effect) =>
      recordAlert(
        claim,
        {
          kind: effect.kind,
          to: effect.to === 'other-side' ? (context.side === 'reviewer' ? 'partner' : 'reviewers') : effect.to,
          cause: `v${claim.version}`,
          extra: context.alertExtra,
        },
        now,
      ),
    );
    return { claim, outbox: [...document.outbox, ...alerts] };
  }

  private startTimer(claim: Claim, deadline: DeadlineName, now: Date): void {
    const rule = this.policy.timers[deadline];
    const due = rule.unit === 'business-days' ? this.calendar.addBusinessDays(now, rule.length) : new Date(now.getTime() + rule.length * DAY_MS);
    claim.deadlines[deadline] = due.toISOString();
    this.scheduleTimer(claim, deadline, due, now);
  }

  /** The due timer of a deadline and its reminders before it, those still ahead of `now`. */
  private scheduleTimer(claim: Claim, deadline: DeadlineName, due: Date, now: Date): void {
    const rule = this.policy.timers[deadline];
    const business = rule.unit === 'business-days';
    claim.timers.push({ deadline, kind: 'due', dueAt: due.toISOString() });
    for (const offset of rule.nearOffsets) {
      const near = business ? this.calendar.subtractBusinessDays(due, offset) : new Date(due.getTime() - offset * DAY_MS);
      if (near > now) claim.timers.push({ deadline, kind: 'near', offset: String(offset), dueAt: near.toISOString() });
    }
  }

  private async fireDueTimers(now: Date): Promise<TimerFiring[]> {
    const fired: TimerFiring[] = [];
    let previous: string | undefined;
    for (let next = await this.repository.nextDue(); next && next.dueAt <= now.getTime(); next = await this.repository.nextDue()) {
      const marker = `${next.claimId}@${next.dueAt}`;
      // The index is derived from the stored document, so this only guards against a broken store.
      if (marker === previous) throw new Error(`timer ${marker} did not fire`);
      previous = marker;
      const firing = await this.repository.update(next.claimId, (document) => this.fireEarliestTimer(document, now));
      if (!firing) continue;
      fired.push(firing);
      if (firing.outcome === 'transitioned' || firing.outcome === 'closed') {
        const changed = await this.repository.get(firing.claimId);
        if (changed) this.notify(changed.claim);
      }
    }
    return fired;
  }

  private fireEarliestTimer(document: ClaimDocument, now: Date): { next: ClaimDocument | 'unchanged'; result: TimerFiring | undefined } {
    const claim = structuredClone(document.claim);
    const timer = claim.timers
      .filter((candidate) => !candidate.firedAt && Date.parse(candidate.dueAt) <= now.getTime())
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt))[0];
    if (!timer) return { next: 'unchanged', result: undefined };
    timer.firedAt = now.toISOString();
    const firing = (outcome: TimerFiring['outcome']): TimerFiring => ({
      claimId: claim.id,
      deadline: timer.deadline,
      kind: timer.kind,
      dueAt: timer.dueAt,
      outcome,
    });
    const alert = (spec: Omit<AlertSpec, 'cause'>) =>
      recordAlert(claim, { ...spec, cause: `${timer.deadline}-${timer.kind}${timer.offset ?? ''}@${timer.dueAt}` }, now);
    const forReviewers = REVIEWER_DEADLINES.has(timer.deadline);
    const deadline = timer.deadline === 'decision' ? claim.decisionDue : claim.deadlines[timer.deadline];
    const extra = { deadlineName: timer.deadline, deadline };

    if (timer.kind === 'near') {
      const deadlinePassed = claim.timers.some(
        (other) => other.deadline === timer.deadline && other.kind === 'due' && Date.parse(other.dueAt) <= now.getTime(),
      );
      // After downtime a reminder for a deadline already gone would only confuse.
      if (deadlinePassed) return { next: { ...document, claim }, result: firing('superseded') };
      const reminder = alert(forReviewers ? { kind: 'review-sla-near', to: 'reviewers', extra } : { kind: 'deadline-near', to: 'partner', extra });
      return { next: { claim, outbox: [...document.outbox, reminder] }, result: firing('alerted') };
    }

    if (forReviewers) {
      const overdue = alert({ kind: 'review-sla-overdue', to: 'reviewers', extra });
      return { next: { claim, outbox: [...document.outbox, overdue] }, result: firing('alerted') };
    }
    const action: Action =
      timer.deadline === 'partnerResponse' ? 'partnerResponseLapse' : timer.deadline === 'consentWindow' ? 'consentLapse' : 'disputeWindowClose';
    const row = rowFor(action, claim.status, claim.consentPhase);
    if (!row) throw new Error(`timer ${timer.deadline} of ${claim.id} fired in status ${claim.status}`);
    const next = this.applyRow(
      document,
      claim,
      row,
      { action },
      {
        actorId: SYSTEM_ACTOR_ID,
        role: 'system',
        now,
        fieldChanges: [],
        alertExtra: extra,
      },
    );
    return { next, result: firing(action === 'disputeWindowClose' ? 'closed' : 'transitioned') };
  }

  // ---- helpers --------------------------------------------------------------------------

  /** A listener's failure is its own: the change is committed whatever it does. */
  private notify(claim: Claim): void {
    for (const listener of this.listeners) {
      try {
        listener(structuredClone(claim));
      } catch {
        // Listeners report their own errors; nothing here can undo a committed change.
      }
    }
  }

  private async load(claimId: string): Promise<ClaimDocument> {
    const document = await this.repository.get(claimId);
    if (!document) throw new DomainError('not-found', { claimId });
    return document;
  }

  private gated<T>(work: () => Promise<T>): Promise<T> {
    return this.recordKeyGate.run('record-keys', work);
  }

  private organisationOf(actor: Actor) {
    if (!actor.organisation) throw new DomainError('not-allowed', { action: 'edit' });
    return actor.organisation;
  }

  /** Other active claims on the claim's partner-of-record keys, by id. */
  private async keyHoldersOf(claim: Claim): Promise<KeyHolders> {
    const ids = new Set<string>();
    for (const key of recordKeysOf(claim)) {
      for (const id of await this.repository.activeIdsForKey(key)) if (id !== claim.id) ids.add(id);
    }
    if (ids.size === 0) return [];
    return (await this.repository.summaries([...ids]))
      .map((summary) => ({ id: summary.id, partnerTenantId: summary.partnerTenantId }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Active claims of other organisations on the same partner-of-record key. */
  private async competitorsOf(claim: Claim): Promise<string[]> {
    return (await this.keyHoldersOf(claim)).filter((holder) => holder.partnerTenantId !== claim.partnerTenantId).map((holder) => holder.id);
  }

  private attachPoe(claim: Claim, files: readonly PoeInput[], actor: Actor): FieldChange[] {
    if (files.length === 0) return [];
    checkPoe(files, claim.poe.length, this.policy);
    const uploadedAt = this.clock.now().toISOString();
    const records = files.map((file) => ({ ...file, id: randomUUID(), uploadedBy: actor.userId, uploadedAt }));
    claim.poe.push(...records);
    return records.map((record) => ({ field: 'poe', to: { name: record.name, sha256: record.sha256, size: record.size } }));
  }

  private appendComment(claim: Claim, actor: Actor, role: ActingRole, text: string | undefined): FieldChange[] {
    const side = sideOf(role);
    if (!text || !side) return [];
    claim.comments.push({
      id: randomUUID(),
      at: this.clock.now().toISOString(),
      authorId: actor.userId,
      ...(actor.displayName ? { authorName: actor.displayName } : {}),
      side,
      text,
    });
    return [];
  }
}

function sideOf(role: ActingRole): Side | undefined {
  if (role === 'reviewer') return 'reviewer';
  if (role === 'customer' || role === 'system') return undefined;
  return 'partner';
}

function slaDeadlineOf(status: Status): DeadlineName {
  if (status === 'Submitted') return 'reviewStart';
  if (status === 'Disputed') return 'disputeDecision';
  return 'reviewDecision';
}

function diffDetails(before: ClaimDetails, after: ClaimDetails): FieldChange[] {
  const fields = new Set([...Object.keys(before), ...Object.keys(after)] as (keyof ClaimDetails)[]);
  const changes: FieldChange[] = [];
  for (const field of fields) {
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) {
      changes.push({
        field,
        ...(before[field] !== undefined ? { from: before[field] } : {}),
        ...(after[field] !== undefined ? { to: after[field] } : {}),
      });
    }
  }
  return changes;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

/** What people can do (the system's timer actions aside). */
const USER_ACTIONS: readonly Action[] = ACTIONS.filter((action) => rowsFor(action).some((row) => !row.parties.includes('system')));

/** The row for the claim's status names who may take it there, which can be narrower than the action's other rows. */
function assertRowAllows(row: TransitionRow, role: ActingRole, claim: Claim): void {
  const allowed = role === 'customer' ? row.parties.includes('customer') : role !== 'system' && row.roles.includes(role);
  if (!allowed) throw new DomainError('not-allowed', { claimId: claim.id, action: row.action });
}
