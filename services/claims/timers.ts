import { SYSTEM_ACTOR_ID } from '../actor.js';
import { recordAlert, type AlertSpec } from '../alerts.js';
import type { ClaimRepository, DueTimer } from '../claimRepository.js';
import { rowFor, type Action } from '../lifecycle.js';
import type { Alert, Claim, ClaimDocument, DeadlineName, Timer } from '../model.js';
import { copyForChange } from './claimCopy.js';
import type { ChangeFeed } from './changeFeed.js';
import type { TransitionEffects } from './transitionEffects.js';

// Timers coming due: a reminder or an SLA alert, or the system's lifecycle action for a deadline
// that lapsed (partner response, consent window, dispute window).

/** Deadlines whose reminders and lapses go to reviewers as SLA alerts, changing nothing. */
const REVIEWER_DEADLINES = new Set<DeadlineName>(['reviewStart', 'reviewDecision', 'disputeDecision', 'decision']);

export interface TimerFiring {
  claimId: string;
  deadline: DeadlineName;
  kind: Timer['kind'];
  dueAt: string;
  outcome: 'alerted' | 'superseded' | 'transitioned' | 'closed';
}

/** Far longer than a firing takes; only an instance that stopped mid-tick leaves work this long. */
export const TIMER_LEASE_MS = 60_000;

export class TimerRunner {
  private tickInFlight: Promise<TimerFiring[]> | undefined;

  /** `owner`: this instance; instances sharing a database fire disjoint claims' timers. */
  constructor(
    private readonly repository: ClaimRepository,
    private readonly effects: TransitionEffects,
    private readonly feed: ChangeFeed,
    private readonly owner: string,
  ) {}

  /**
   * Fires every timer due at `now` that this instance can lease, earliest deadline first among
   * them, each exactly once across instances. Only one tick runs at a time in a process; a call
   * during a tick waits for it and then runs its own.
   */
  async tick(now: Date): Promise<TimerFiring[]> {
    const previous = this.tickInFlight ?? Promise.resolve([]);
    const run = previous.catch(() => []).then(() => this.fireDueTimers(now));
    this.tickInFlight = run;
    try {
      return await run;
    } finally {
      if (this.tickInFlight === run) this.tickInFlight = undefined;
    }
  }

  private async fireDueTimers(now: Date): Promise<TimerFiring[]> {
    const fired: TimerFiring[] = [];
    const seen = new Set<string>();
    const held = new Set<string>();
    // One claim at a time: the earliest due timer among the claims no other instance holds (or
    // this one already holds), so timers fire in deadline order here while another instance,
    // skipping what this one has locked or leased, fires the next ones. Leases are kept until the
    // tick ends, so a claim's later timers stay with the instance that fired its earlier ones.
    const terms = { now, owner: this.owner, leaseMs: TIMER_LEASE_MS, limit: 1 };
    try {
      for (let [due] = await this.repository.leaseDueTimers(terms); due; [due] = await this.repository.leaseDueTimers(terms)) {
        held.add(due.claimId);
        const firing = await this.fire(due, now, seen);
        if (firing) fired.push(firing);
      }
    } finally {
      // A release that fails (the database went away) must not hide why the tick stopped: the
      // leases then lapse by themselves.
      await this.repository.releaseLeases('timers', [...held], this.owner).catch(() => undefined);
    }
    return fired;
  }

  private async fire(due: DueTimer, now: Date, seen: Set<string>): Promise<TimerFiring | undefined> {
    // Through update: its revision check stays the last guard, should a lease have lapsed meanwhile.
    const firing = await this.repository.update(due.claimId, (document) => this.fireEarliestTimer(document, now));
    // The lease is taken on what the stored document says is due, so these only guard against a
    // broken store (a firing not kept would fire again, for ever). Two timers may share an
    // instant (a reminder and the escalation), so a firing is told apart by its kind too.
    const marker = firing ? `${firing.claimId}@${firing.dueAt}:${firing.deadline}:${firing.kind}` : `${due.claimId}@${due.dueAt}`;
    if (seen.has(marker)) throw new Error(`timer ${marker} did not fire`);
    seen.add(marker);
    if (firing && (firing.outcome === 'transitioned' || firing.outcome === 'closed')) {
      const changed = await this.repository.get(firing.claimId);
      if (changed) this.feed.notify(changed.claim);
    }
    return firing;
  }

  private fireEarliestTimer(document: ClaimDocument, now: Date): { next: ClaimDocument | 'unchanged'; result: TimerFiring | undefined } {
    const claim = copyForChange(document.claim);
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

    if (timer.kind === 'escalate') return this.escalate(document, claim, timer, now, alert, firing);

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
    const next = this.effects.apply(
      document,
      claim,
      row,
      {},
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

  /**
   * The partner has not answered and the claim lapses in a business day: the partner
   * organisation's incentives admins are told (and the assigned reviewer), with a history entry.
   * The version stays: nothing the partner or reviewer may do changed, so their cards stay current.
   */
  private escalate(
    document: ClaimDocument,
    claim: Claim,
    timer: Timer,
    now: Date,
    alert: (spec: Omit<AlertSpec, 'cause'>) => Alert,
    firing: (outcome: TimerFiring['outcome']) => TimerFiring,
  ): { next: ClaimDocument; result: TimerFiring } {
    const lapsed = claim.status !== 'PartnerActionRequired' || Date.parse(claim.deadlines.partnerResponse ?? '') <= now.getTime();
    // After downtime past the lapse itself, the rejection says it all.
    if (lapsed) return { next: { ...document, claim }, result: firing('superseded') };
    const extra = { deadlineName: timer.deadline, deadline: claim.deadlines.partnerResponse };
    const alerts = [alert({ kind: 'information-escalated', to: 'partner-admins', extra })];
    const assignee = claim.assignedReviewer;
    if (assignee) {
      alerts.push(
        alert({ kind: 'information-escalated', to: 'reviewer', extra: { ...extra, reviewerId: assignee.userId, reviewerTenantId: assignee.tenantId } }),
      );
    }
    claim.history.push({
      seq: claim.history.length + 1,
      at: now.toISOString(),
      actorId: SYSTEM_ACTOR_ID,
      role: 'system',
      action: 'escalate',
      fromStatus: claim.status,
      toStatus: claim.status,
      // The action says it all: the partner's incentives admins were told.
      changes: [],
    });
    return { next: { claim, outbox: [...document.outbox, ...alerts] }, result: firing('alerted') };
  }
}
