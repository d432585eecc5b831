import type { ActingRole } from '../actor.js';
import { recordAlert, type AlertSpec } from '../alerts.js';
import type { BusinessCalendar } from '../businessCalendar.js';
import { overallDecisionDue } from '../decisionDate.js';
import type { TransitionRow } from '../lifecycle.js';
import type { Claim, ClaimDocument, DeadlineName, FieldChange, RejectionReason, Side } from '../model.js';
import type { Policy } from '../policy.js';

// What taking a lifecycle row does to a claim: the status entered and what it clears, the timers
// it starts, the version and history entry, and the alerts recorded in the outbox.

const DAY_MS = 24 * 60 * 60 * 1000;
/** An unanswered request for information goes to the partner's incentives admins this long before it lapses. */
export const ESCALATION_BUSINESS_DAYS = 1;

/** What the actor decided and said, as history and the rejection keep it. */
export interface Decision {
  reason?: RejectionReason;
  comment?: string;
  reasons?: string[];
}

/** Who took the row, when, and what else the change carries. */
export interface RowContext {
  actorId: string;
  actorTenantId?: string;
  actorName?: string;
  role: ActingRole;
  side?: Side;
  now: Date;
  fieldChanges: FieldChange[];
  alertExtra: Record<string, unknown>;
  /** Alerts to named people besides the row's, recorded for the same version. */
  extraAlerts?: Array<Omit<AlertSpec, 'cause'>>;
}

export class TransitionEffects {
  constructor(
    private readonly policy: Policy,
    private readonly calendar: BusinessCalendar,
  ) {}

  /** Applies a row's effects to `claim` (already a copy) and returns the document to store. */
  apply(document: ClaimDocument, claim: Claim, row: TransitionRow, decision: Decision, context: RowContext): ClaimDocument {
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
      const reason = row.rejection.reason ?? decision.reason ?? claim.rejection?.reason;
      if (!reason) throw new Error(`row ${row.action} rejects without a reason`);
      claim.rejection = { reason, at, final: row.rejection.final, ...(decision.comment ? { comment: decision.comment } : {}) };
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
      ...(decision.reasons ? { reasons: decision.reasons } : {}),
      ...(decision.comment ? { comment: decision.comment } : {}),
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
    for (const extra of context.extraAlerts ?? []) alerts.push(recordAlert(claim, { ...extra, cause: `v${claim.version}` }, now));
    return { claim, outbox: [...document.outbox, ...alerts] };
  }

  private startTimer(claim: Claim, deadline: DeadlineName, now: Date): void {
    const rule = this.policy.timers[deadline];
    const due = rule.unit === 'business-days' ? this.calendar.addBusinessDays(now, rule.length) : new Date(now.getTime() + rule.length * DAY_MS);
    claim.deadlines[deadline] = due.toISOString();
    this.scheduleTimer(claim, deadline, due, now);
    if (deadline === 'partnerResponse') {
      const escalateAt = this.calendar.subtractBusinessDays(due, ESCALATION_BUSINESS_DAYS);
      if (escalateAt > now) claim.timers.push({ deadline, kind: 'escalate', dueAt: escalateAt.toISOString() });
    }
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
}
