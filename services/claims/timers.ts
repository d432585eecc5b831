import { SYSTEM_ACTOR_ID } from '../actor.js';
import { recordAlert, type AlertSpec } from '../alerts.js';
import type { ClaimRepository } from '../claimRepository.js';
import { rowFor, type Action } from '../lifecycle.js';
import type { ClaimDocument, DeadlineName, Timer } from '../model.js';
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

export class TimerRunner {
  private tickInFlight: Promise<TimerFiring[]> | undefined;

  constructor(
    private readonly repository: ClaimRepository,
    private readonly effects: TransitionEffects,
    private readonly feed: ChangeFeed,
  ) {}

  /**
   * Fires every timer due at `now`, earliest deadline first across all claims, each exactly once.
   * Only one tick runs at a time; a call during a tick waits for it and then runs its own.
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
        if (changed) this.feed.notify(changed.claim);
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
}
