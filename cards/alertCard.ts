import { z } from 'zod';
import {
  CUSTOMER_OPT_OUT_RULES,
  DEADLINE_NAMES,
  INFORMATION_REASONS,
  REJECTION_REASONS,
  STATUSES,
  type Alert,
  type AlertKind,
  type Claim,
} from '../services/model.js';
import { consentSubjectOf, renderConsentAlert, type ConsentSubject } from './consentCard.js';
import { CATALOGUE_EDITIONS } from '../services/catalogue.js';
import {
  commandText,
  deadlineFacts,
  decisionFact,
  commandData,
  type CommandData,
  instantFor,
  poeChecklist,
  programText,
  statusText,
  lastDayFor,
  type CommandVerb,
  type Fact,
} from './format.js';
import { CardTemplate, type AdaptiveCard } from './template.js';
import type { Viewer } from './viewer.js';
import { literal } from './markdown.js';
import { PrecheckReportSchema } from '../services/precheck.js';
import { metCount } from '../services/precheckChecklist.js';
import { reportLines } from './precheckText.js';

// The proactive alerts of SPEC section 4. An alert carries a snapshot of the claim taken with the
// change that caused it, so the card shows the claim as it was then without reading it again. The
// consent notice to a customer is the consent card itself, with its Opt out action.

export interface AlertCardData {
  kindLabel: string;
  title: string;
  style: 'default' | 'good' | 'attention' | 'warning' | 'accent' | 'emphasis';
  lines: string[];
  facts: Fact[];
  hint: string;
  buttons: { title: string; command: CommandData }[];
}

/** What the renderer reads from `alert.data`; anything malformed is left out, never guessed. */
const optional = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);
export const AlertSnapshotSchema = z.object({
  claimId: optional(z.string()),
  status: optional(z.enum(STATUSES)),
  consentPhase: optional(z.enum(['window-open', 'associated'])),
  program: optional(z.string()),
  partnerName: optional(z.string()),
  partnerId: optional(z.string()),
  customerDomain: optional(z.string()),
  subscriptionId: optional(z.string()),
  workloads: optional(z.array(z.string())),
  deadlines: optional(z.record(z.string(), z.string())),
  decisionDue: optional(z.string()),
  customerOptOut: optional(z.enum(CUSTOMER_OPT_OUT_RULES)),
  catalogue: optional(z.enum(CATALOGUE_EDITIONS)),
  rejection: optional(z.object({ reason: z.enum(REJECTION_REASONS), comment: z.string().optional(), final: z.boolean().optional() })),
  informationRequest: optional(z.object({ reasons: z.array(z.enum(INFORMATION_REASONS)), comment: z.string() })),
  competingWith: optional(z.array(z.string())),
  commentText: optional(z.string()),
  commentBy: optional(z.string()),
  deadline: optional(z.string()),
  deadlineName: optional(z.enum(DEADLINE_NAMES)),
  precheck: optional(z.object({ fileId: z.string(), fileName: z.string(), report: PrecheckReportSchema })),
  assignedBy: optional(z.string()),
  previousReviewer: optional(z.string()),
  newReviewer: optional(z.string()),
  /** The claim's details that changed since the request for information (a partner's response). */
  detailChanges: optional(z.array(z.object({ field: z.string(), from: z.string().optional(), to: z.string().optional() }))),
  poeAdded: optional(z.array(z.string())),
});
export type AlertSnapshot = z.infer<typeof AlertSnapshotSchema>;

const template = new CardTemplate<AlertCardData>('alert');
const MAX_COMMENT = 2000;

const STYLE: Record<AlertKind, AlertCardData['style']> = {
  'claim-submitted': 'accent',
  'claim-resubmitted': 'accent',
  'claim-disputed': 'warning',
  'submission-receipt': 'emphasis',
  'review-started': 'emphasis',
  'information-requested': 'warning',
  'deadline-near': 'warning',
  'review-sla-near': 'warning',
  'review-sla-overdue': 'attention',
  approved: 'good',
  'consent-notice': 'emphasis',
  'customer-opted-out': 'attention',
  'opt-out-confirmation': 'emphasis',
  associated: 'good',
  rejected: 'attention',
  'new-comment': 'emphasis',
  'poe-prechecked': 'emphasis',
  'claim-assigned': 'accent',
  'claim-unassigned': 'emphasis',
  'information-escalated': 'warning',
};

/** How one copy of a personal reviewer alert reached its reader while the reviewer is away. */
export interface DelegationNote {
  copy: 'stand-in' | 'informed';
  reviewerName: string;
  delegateName: string;
  until: string;
}

/**
 * What a posted alert says of the claim as it is now: 'as-sent' while the claim has not moved on
 * (or for alerts that never change), else the status it moved to; for the consent notice, whether
 * Opt out is still open. A posted alert is updated only when this changes.
 */
export function alertNowKey(alert: Alert, now?: { claim: Claim; at: Date }): string {
  if (alert.kind === 'opt-out-confirmation') return 'as-sent';
  if (alert.kind === 'consent-notice') return now ? consentSubjectOf(now.claim, now.at).state : 'open';
  const snapshot = AlertSnapshotSchema.parse(alert.data);
  const { claim } = now ?? {};
  if (!claim || (claim.status === snapshot.status && claim.consentPhase === snapshot.consentPhase)) return 'as-sent';
  return `${claim.status}:${claim.consentPhase ?? ''}`;
}

/**
 * An alert card. With `now` (the claim as it is when a posted alert is updated), the alert keeps
 * its message and gains one line with the current status; the next-step button goes once the
 * claim has moved on (Open stays). A consent notice shows whether Opt out is still possible.
 */
export function renderAlert(alert: Alert, viewer: Viewer, now?: Claim, delegation?: DelegationNote): AdaptiveCard {
  const snapshot = AlertSnapshotSchema.parse(alert.data);
  if (alert.kind === 'consent-notice' || alert.kind === 'opt-out-confirmation') {
    const subject = consentSubjectFrom(alert, snapshot);
    if (alert.kind === 'opt-out-confirmation') return renderConsentAlert(alert, subject, viewer, 'opted-out');
    const state = now ? consentSubjectOf(now, viewer.now).state : undefined;
    return renderConsentAlert(alert, subject, viewer, state === 'open' ? undefined : state);
  }
  const movedOn = now !== undefined && alertNowKey(alert, { claim: now, at: viewer.now }) !== 'as-sent';
  const { translator: t } = viewer;
  const claimId = snapshot.claimId ?? alert.claimId;
  const partner = literal(snapshot.partnerName ?? '');
  const params = { claimId, partner };
  const textKey =
    alert.kind === 'approved' && snapshot.customerOptOut === 'any-time'
      ? 'cards.alert.approved.textAnyTime'
      : alert.kind === 'information-escalated' && alert.to === 'reviewer'
        ? 'cards.alert.information-escalated.textReviewer'
        : `cards.alert.${alert.kind}.text`;
  const textParams = { ...params, ...kindParams(alert, snapshot, viewer) };
  const lines: string[] = [t.t(textKey, textParams)];
  // SPEC 5a: approval is not payment; a request for information shows what a PoE must show.
  if (alert.kind === 'approved') lines.push(t.t('cards.alert.approved.note'));
  if (alert.kind === 'information-requested' && alert.to === 'partner') lines.push(poeChecklist(t));
  // The partner's checklist for the file just read; the pre-check never stops a submission.
  if (alert.kind === 'poe-prechecked' && snapshot.precheck) {
    lines.push(...reportLines(t, snapshot.precheck.fileName, snapshot.precheck.report), t.t('cards.precheck.maySubmit'));
  }
  if (alert.kind === 'claim-resubmitted') lines.push(...resubmissionLines(snapshot, viewer));
  if (delegation) {
    const names = { reviewer: literal(delegation.reviewerName), delegate: literal(delegation.delegateName), until: lastDayFor(viewer, delegation.until) };
    lines.push(t.t(`cards.alert.delegation.${delegation.copy}`, names));
  }
  if (snapshot.competingWith?.length && alert.to === 'reviewers') {
    lines.push(t.t('cards.claim.competing', { claims: t.formatList(snapshot.competingWith) }));
  }
  if (now && movedOn) lines.push(t.t('cards.alert.now', { status: statusText(viewer, now.status, now.consentPhase) }));
  const buttons: AlertCardData['buttons'] = [];
  const button = (verb: CommandVerb, label: string) =>
    buttons.push({ title: t.t(`cards.action.${label}`), command: commandData(commandText(viewer, verb, claimId)) });
  let hint = '';
  const next = NEXT_STEP[alert.kind];
  const toPartner = alert.to === 'partner' || alert.to === 'partner-admins';
  if (next && !movedOn && toPartner && !(alert.kind === 'rejected' && snapshot.rejection?.final)) {
    hint = t.t('cards.alert.nextStep', { command: commandText(viewer, next, claimId) });
    button(next, next);
  }
  if (alert.to !== 'customer') button('claim', 'open');
  const data: AlertCardData = {
    kindLabel: t.t(`cards.alert.${alert.kind}.label`),
    title: t.t(`cards.alert.${alert.kind}.title`, textParams),
    style: STYLE[alert.kind],
    lines,
    facts: alertFacts(alert, snapshot, viewer),
    hint,
    buttons,
  };
  return template.expand(data);
}

/** The text command that continues from an alert to the partner. */
const NEXT_STEP: Partial<Record<AlertKind, CommandVerb>> = {
  'information-requested': 'respond',
  'information-escalated': 'respond',
  rejected: 'dispute',
};

function kindParams(alert: Alert, snapshot: AlertSnapshot, viewer: Viewer): Record<string, string | number> {
  const { translator: t } = viewer;
  const deadlines = snapshot.deadlines ?? {};
  const at = (iso: string | undefined) => (iso ? instantFor(viewer, iso) : t.t('cards.common.unknown'));
  switch (alert.kind) {
    case 'claim-assigned':
      return {
        by: literal(snapshot.assignedBy ?? ''),
        previous: snapshot.previousReviewer ? t.t('cards.alert.claim-assigned.previous', { reviewer: literal(snapshot.previousReviewer) }) : '',
      };
    case 'claim-unassigned':
      return { by: literal(snapshot.assignedBy ?? ''), reviewer: literal(snapshot.newReviewer ?? '') };
    case 'information-escalated':
    case 'information-requested': {
      const request = snapshot.informationRequest;
      return {
        reasons: request ? t.formatList(request.reasons.map((reason) => t.t(`claims.informationReason.${reason}`))) : '',
        comment: literal(truncate(request?.comment ?? '')),
        deadline: at(deadlines.partnerResponse),
      };
    }
    case 'deadline-near':
    case 'review-sla-near':
    case 'review-sla-overdue': {
      const name = snapshot.deadlineName;
      return {
        deadlineLabel: name ? t.t(`cards.deadline.${name}`) : t.t('cards.common.deadline'),
        deadline: at(snapshot.deadline ?? (name ? deadlines[name] : undefined)),
      };
    }
    case 'approved':
      return { deadline: at(deadlines.consentWindow) };
    case 'rejected': {
      const rejection = snapshot.rejection;
      const reason = rejection ? t.t(`claims.rejectionReason.${rejection.reason}`) : '';
      const comment = rejection?.comment ? ` ${t.t('cards.alert.reviewerSaid', { comment: literal(truncate(rejection.comment)) })}` : '';
      const after = rejection?.final ? t.t('cards.alert.rejectedFinal') : t.t('cards.alert.disputeUntil', { deadline: at(deadlines.disputeWindow) });
      return { reason, comment, after };
    }
    case 'new-comment':
      return { author: literal(snapshot.commentBy ?? ''), comment: literal(truncate(snapshot.commentText ?? '')) };
    case 'poe-prechecked': {
      const precheck = snapshot.precheck;
      return { file: literal(precheck?.fileName ?? ''), ...(precheck ? metCount(precheck.report) : { found: 0, of: 0 }) };
    }
    case 'submission-receipt':
      return { status: snapshot.status ? statusText(viewer, snapshot.status, snapshot.consentPhase) : '' };
    default:
      return {};
  }
}

function alertFacts(alert: Alert, snapshot: AlertSnapshot, viewer: Viewer): Fact[] {
  const { translator: t } = viewer;
  const facts: Fact[] = [];
  if (snapshot.status) facts.push({ title: t.t('cards.fact.status'), value: statusText(viewer, snapshot.status, snapshot.consentPhase) });
  if (snapshot.program) facts.push({ title: t.t('cards.fact.program'), value: programText(snapshot.program, snapshot.catalogue) });
  if (snapshot.partnerName) {
    facts.push({
      title: t.t('cards.fact.partner'),
      value: snapshot.partnerId
        ? t.t('cards.common.partnerWithId', { name: literal(snapshot.partnerName), partnerId: literal(snapshot.partnerId) })
        : literal(snapshot.partnerName),
    });
  }
  if (snapshot.customerDomain) facts.push({ title: t.t('cards.fact.customer'), value: literal(snapshot.customerDomain) });
  if (snapshot.subscriptionId) facts.push({ title: t.t('cards.fact.subscription'), value: literal(snapshot.subscriptionId) });
  if (snapshot.workloads?.length) facts.push({ title: t.t('cards.fact.workloads'), value: t.formatList(snapshot.workloads) });
  return [...facts, ...decisionFact(viewer, snapshot.decisionDue, snapshot.status), ...deadlineFacts(viewer, snapshot.deadlines ?? {})];
}

function consentSubjectFrom(alert: Alert, snapshot: AlertSnapshot): Omit<ConsentSubject, 'state' | 'version'> {
  return {
    claimId: snapshot.claimId ?? alert.claimId,
    partnerName: snapshot.partnerName ?? '',
    workloads: snapshot.workloads ?? [],
    ...(snapshot.partnerId ? { partnerId: snapshot.partnerId } : {}),
    ...(snapshot.program ? { program: programText(snapshot.program, snapshot.catalogue) } : {}),
    ...(snapshot.customerDomain ? { customerDomain: snapshot.customerDomain } : {}),
    ...(snapshot.subscriptionId ? { subscriptionId: snapshot.subscriptionId } : {}),
    ...(snapshot.deadlines?.consentWindow ? { consentCloses: snapshot.deadlines.consentWindow } : {}),
    ...(snapshot.customerOptOut ? { optOut: snapshot.customerOptOut } : {}),
  };
}

/** A partner's response: what changed in the claim's details, and the files added, since the request (files are never removed). */
function resubmissionLines(snapshot: AlertSnapshot, viewer: Viewer): string[] {
  const { translator: t } = viewer;
  const changes = snapshot.detailChanges ?? [];
  const added = snapshot.poeAdded ?? [];
  if (!changes.length && !added.length) return snapshot.detailChanges ? [t.t('cards.alert.diff.none')] : [];
  const none = t.t('cards.alert.diff.empty');
  const field = (name: string) => (t.has(`fields.${name}`) ? t.t(`fields.${name}`) : literal(name));
  return [
    t.t('cards.alert.diff.heading'),
    ...changes.map((change) =>
      t.t('cards.alert.diff.field', {
        field: field(change.field),
        from: change.from ? literal(truncate(change.from)) : none,
        to: change.to ? literal(truncate(change.to)) : none,
      }),
    ),
    ...added.map((name) => t.t('cards.alert.diff.poeAdded', { name: literal(name) })),
  ];
}

function truncate(text: string): string {
  return text.length > MAX_COMMENT ? `${text.slice(0, MAX_COMMENT)}…` : text;
}
