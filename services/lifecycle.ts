import type { Role } from './actor.js';
import type { AlertAudience, AlertKind, ConsentPhase, DeadlineName, RejectionReason, Status } from './model.js';

// The transition table of SPEC section 3, as data. The claim service looks up the row for an
// action and the claim's status, checks who may act, runs the row's guards and applies its effects.

export const ACTIONS = [
  'edit',
  'addPoe',
  'submit',
  'discard',
  'startReview',
  'requestInformation',
  'resubmit',
  'approve',
  'reject',
  'withdraw',
  'optOut',
  'dispute',
  'overturn',
  'uphold',
  'comment',
  'disassociate',
  'reassign',
  // Taken by the system when a timer expires.
  'partnerResponseLapse',
  'consentLapse',
  'disputeWindowClose',
] as const;
export type Action = (typeof ACTIONS)[number];

/** Who takes an action: partner and reviewer by role, customer by tenant, system by timer. */
export type Party = 'partner' | 'reviewer' | 'customer' | 'system';

export type GuardName =
  'editable' | 'complete' | 'noDuplicate' | 'notOwnOrganisation' | 'optOutOpen' | 'disputeInformationAllowed' | 'disputeAllowed' | 'disassociationAllowed';

export interface StatusMatch {
  status: Status;
  /** Only for Approved: the consent phase the row applies to; absent means any. */
  consentPhase?: ConsentPhase;
}

export interface AlertEffect {
  kind: AlertKind;
  /** `other-side`: a comment goes to reviewers when a partner writes it, and the other way round. */
  to: AlertAudience | 'other-side';
  /** Only recorded when the policy sends the consent notice at this point. */
  consentNoticeAt?: 'approval' | 'submission';
}

export interface TransitionRow {
  action: Action;
  from: readonly StatusMatch[];
  /** `same` keeps the status; `deleted` removes the claim. */
  to: Status | 'same' | 'deleted';
  parties: readonly Party[];
  /** For partner and reviewer parties: the roles that may act. */
  roles: readonly Role[];
  guards: readonly GuardName[];
  consentPhase?: ConsentPhase;
  rejection?: { reason?: RejectionReason; final: boolean };
  /** Deadlines that start when the row is taken (the status's timers). */
  startTimers: readonly DeadlineName[];
  alerts: readonly AlertEffect[];
}

const EDITORS: readonly Role[] = ['incentives-admin', 'incentives-user', 'global-admin'];
const MANAGERS: readonly Role[] = ['incentives-admin', 'billing-admin', 'global-admin'];
const PARTNERS: readonly Role[] = ['incentives-admin', 'incentives-user', 'billing-admin', 'global-admin'];
const REVIEWERS: readonly Role[] = ['reviewer'];

const at = (...statuses: Status[]): StatusMatch[] => statuses.map((status) => ({ status }));
const ALL_BUT_DRAFT = at('Submitted', 'InReview', 'PartnerActionRequired', 'Approved', 'Rejected', 'Disputed');
const WINDOW_OPEN: StatusMatch[] = [{ status: 'Approved', consentPhase: 'window-open' }];

const row = (partial: Partial<TransitionRow> & Pick<TransitionRow, 'action' | 'from' | 'to' | 'parties'>): TransitionRow => ({
  roles: [],
  guards: [],
  startTimers: [],
  alerts: [],
  ...partial,
});

/** Approving, and overturning a rejection on dispute, have the same effects (SPEC: "as on approval"). */
const APPROVAL = {
  to: 'Approved',
  parties: ['reviewer'],
  roles: REVIEWERS,
  guards: ['notOwnOrganisation'],
  consentPhase: 'window-open',
  startTimers: ['consentWindow'],
  alerts: [
    { kind: 'approved', to: 'partner' },
    { kind: 'consent-notice', to: 'customer', consentNoticeAt: 'approval' },
  ],
} as const satisfies Partial<TransitionRow>;

export const TRANSITIONS: readonly TransitionRow[] = [
  row({ action: 'edit', from: at('Draft'), to: 'same', parties: ['partner'], roles: EDITORS }),
  row({ action: 'addPoe', from: at('Draft'), to: 'same', parties: ['partner'], roles: EDITORS }),
  row({
    action: 'submit',
    from: at('Draft'),
    to: 'Submitted',
    parties: ['partner'],
    roles: EDITORS,
    guards: ['complete', 'noDuplicate'],
    startTimers: ['reviewStart'],
    alerts: [
      { kind: 'claim-submitted', to: 'reviewers' },
      { kind: 'submission-receipt', to: 'partner' },
      { kind: 'consent-notice', to: 'customer', consentNoticeAt: 'submission' },
    ],
  }),
  row({ action: 'discard', from: at('Draft'), to: 'deleted', parties: ['partner'], roles: EDITORS }),
  row({
    action: 'edit',
    from: at('Submitted', 'PartnerActionRequired'),
    to: 'same',
    parties: ['partner'],
    roles: EDITORS,
    guards: ['editable', 'noDuplicate'],
  }),
  row({
    action: 'addPoe',
    from: at('Submitted', 'PartnerActionRequired'),
    to: 'same',
    parties: ['partner'],
    roles: EDITORS,
    guards: ['editable'],
  }),
  row({
    action: 'startReview',
    from: at('Submitted'),
    to: 'InReview',
    parties: ['reviewer'],
    roles: REVIEWERS,
    guards: ['notOwnOrganisation'],
    startTimers: ['reviewDecision'],
    alerts: [{ kind: 'review-started', to: 'partner' }],
  }),
  row({
    action: 'requestInformation',
    from: at('InReview'),
    to: 'PartnerActionRequired',
    parties: ['reviewer'],
    roles: REVIEWERS,
    guards: ['notOwnOrganisation'],
    startTimers: ['partnerResponse'],
    alerts: [{ kind: 'information-requested', to: 'partner' }],
  }),
  row({
    // partner-center-2023 only: a disputed claim may go back to the partner before the decision.
    action: 'requestInformation',
    from: at('Disputed'),
    to: 'PartnerActionRequired',
    parties: ['reviewer'],
    roles: REVIEWERS,
    guards: ['disputeInformationAllowed', 'notOwnOrganisation'],
    startTimers: ['partnerResponse'],
    alerts: [{ kind: 'information-requested', to: 'partner' }],
  }),
  row({
    action: 'approve',
    from: at('InReview'),
    ...APPROVAL,
  }),
  row({
    action: 'reject',
    from: at('InReview'),
    to: 'Rejected',
    parties: ['reviewer'],
    roles: REVIEWERS,
    guards: ['notOwnOrganisation'],
    rejection: { final: false },
    startTimers: ['disputeWindow'],
    alerts: [{ kind: 'rejected', to: 'partner' }],
  }),
  row({
    action: 'resubmit',
    from: at('PartnerActionRequired'),
    to: 'InReview',
    parties: ['partner'],
    roles: EDITORS,
    guards: ['complete'],
    startTimers: ['reviewDecision'],
    alerts: [
      { kind: 'claim-resubmitted', to: 'reviewers' },
      { kind: 'submission-receipt', to: 'partner' },
    ],
  }),
  row({
    action: 'partnerResponseLapse',
    from: at('PartnerActionRequired'),
    to: 'Rejected',
    parties: ['system'],
    rejection: { reason: 'no-partner-response', final: false },
    startTimers: ['disputeWindow'],
    alerts: [{ kind: 'rejected', to: 'partner' }],
  }),
  row({
    // The partner asked for it, so there is nothing to dispute: a new claim is the way back.
    action: 'withdraw',
    from: at('Submitted', 'InReview', 'PartnerActionRequired'),
    to: 'Rejected',
    parties: ['partner'],
    roles: MANAGERS,
    rejection: { reason: 'partner-request', final: true },
  }),
  row({
    // The guard applies the claim's terms: the consent window (seeds) or any time until the claim
    // ends (later articles), and tells a customer who comes too late that the window closed.
    action: 'optOut',
    from: at('Submitted', 'InReview', 'PartnerActionRequired', 'Approved', 'Disputed'),
    to: 'Rejected',
    parties: ['customer'],
    guards: ['optOutOpen'],
    rejection: { reason: 'customer-declined', final: true },
    alerts: [
      { kind: 'customer-opted-out', to: 'partner' },
      { kind: 'opt-out-confirmation', to: 'customer' },
    ],
  }),
  row({
    action: 'consentLapse',
    from: WINDOW_OPEN,
    to: 'same',
    parties: ['system'],
    consentPhase: 'associated',
    alerts: [{ kind: 'associated', to: 'partner' }],
  }),
  row({
    action: 'dispute',
    from: at('Rejected'),
    to: 'Disputed',
    parties: ['partner'],
    roles: MANAGERS,
    guards: ['disputeAllowed'],
    startTimers: ['disputeDecision'],
    alerts: [
      { kind: 'claim-disputed', to: 'reviewers' },
      { kind: 'submission-receipt', to: 'partner' },
    ],
  }),
  row({
    action: 'disputeWindowClose',
    from: at('Rejected'),
    to: 'same',
    parties: ['system'],
  }),
  row({
    action: 'overturn',
    from: at('Disputed'),
    ...APPROVAL,
  }),
  row({
    action: 'uphold',
    from: at('Disputed'),
    to: 'Rejected',
    parties: ['reviewer'],
    roles: REVIEWERS,
    guards: ['notOwnOrganisation'],
    rejection: { final: true },
    alerts: [{ kind: 'rejected', to: 'partner' }],
  }),
  row({
    // partner-center-2023 only: the partner ends an approved association.
    action: 'disassociate',
    from: at('Approved'),
    to: 'Rejected',
    parties: ['partner'],
    roles: MANAGERS,
    guards: ['disassociationAllowed'],
    rejection: { reason: 'partner-disassociated', final: true },
  }),
  row({
    // Hands the claim to another reviewer; the command checks the new assignee and alerts both.
    action: 'reassign',
    from: at('Submitted', 'InReview', 'PartnerActionRequired', 'Disputed'),
    to: 'same',
    parties: ['reviewer'],
    roles: REVIEWERS,
    guards: ['notOwnOrganisation'],
  }),
  row({
    action: 'comment',
    from: ALL_BUT_DRAFT,
    to: 'same',
    parties: ['partner', 'reviewer'],
    roles: [...PARTNERS, ...REVIEWERS],
    alerts: [{ kind: 'new-comment', to: 'other-side' }],
  }),
];

export function rowsFor(action: Action): TransitionRow[] {
  return TRANSITIONS.filter((candidate) => candidate.action === action);
}

export function rowFor(action: Action, status: Status, consentPhase?: ConsentPhase): TransitionRow | undefined {
  return TRANSITIONS.find(
    (candidate) =>
      candidate.action === action &&
      candidate.from.some((match) => match.status === status && (match.consentPhase === undefined || match.consentPhase === consentPhase)),
  );
}
