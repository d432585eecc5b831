import type { CatalogueEdition } from '../services/catalogue.js';
import { catalogueOf, customerMayOptOut, optOutRuleOf } from '../services/consentRules.js';
import type { Alert, Claim, ClaimDetails, CustomerOptOut } from '../services/model.js';
import { MAX_REFRESH_USER_IDS, instantFor, programText, submitData, type ExecuteData, type Fact } from './format.js';
import { CardTemplate, type AdaptiveCard } from './template.js';
import type { Viewer } from './viewer.js';
import { literal } from './markdown.js';

// The consent notice of SPEC section 5, in the customer's language: who asks to be partner of
// record, for what, what they will see, that no action is needed, and until when the customer can
// opt out. Opting out takes two clicks: the first returns this card in its confirming step.

export interface ConsentCardData {
  title: string;
  request: string;
  purpose: string;
  dataUse: string;
  noAction: string;
  until: string;
  note: string;
  confirmQuestion: string;
  outcome: string;
  outcomeColor: string;
  facts: Fact[];
  labels: { optOut: string; confirmOptOut: string; keep: string; refresh: string };
  execute: ExecuteData;
  confirm: ExecuteData & { confirmed: true };
  fallback: { optOut: Record<string, unknown>; confirm: Record<string, unknown>; keep: Record<string, unknown> };
  refreshUserIds: string[];
  show: { refresh: boolean; note: boolean; open: boolean; optOut: boolean; confirming: boolean; outcome: boolean };
}

export type ConsentOutcome = 'opted-out' | 'closed';

export interface ConsentNoticeOptions {
  confirming?: boolean;
  outcome?: ConsentOutcome;
  note?: string;
  refreshUserIds?: string[];
}

/** What the notice needs, from a claim or from an alert's snapshot of one. */
export interface ConsentSubject {
  claimId: string;
  version: number;
  partnerName: string;
  partnerId?: string;
  program?: string;
  customerDomain?: string;
  subscriptionId?: string;
  workloads: readonly string[];
  consentCloses?: string;
  /** The claim's terms: absent means the seeds' consent window. */
  optOut?: CustomerOptOut;
  state: 'open' | ConsentOutcome;
}

const template = new CardTemplate<ConsentCardData>('consent');

/** Open while the service's own rule lets the customer opt out at the viewer's instant. */
export function consentSubjectOf(claim: Claim, now: Date): ConsentSubject {
  const closes = claim.deadlines.consentWindow;
  const open = customerMayOptOut(claim, now);
  const optedOut = claim.status === 'Rejected' && claim.rejection?.reason === 'customer-declined';
  return {
    ...scopeOf(claim.details, catalogueOf(claim)),
    claimId: claim.id,
    version: claim.version,
    partnerName: claim.partnerName,
    ...(closes ? { consentCloses: closes } : {}),
    optOut: optOutRuleOf(claim),
    state: open ? 'open' : optedOut ? 'opted-out' : 'closed',
  };
}

function scopeOf(
  details: ClaimDetails,
  edition: CatalogueEdition,
): Pick<ConsentSubject, 'partnerId' | 'program' | 'customerDomain' | 'subscriptionId' | 'workloads'> {
  return {
    ...(details.partnerId ? { partnerId: details.partnerId } : {}),
    ...(details.program ? { program: programText(details.program, edition) } : {}),
    ...(details.customerDomain ? { customerDomain: details.customerDomain } : {}),
    ...(details.subscriptionId ? { subscriptionId: details.subscriptionId } : {}),
    workloads: details.workloads ?? [],
  };
}

export function renderConsentNotice(claim: Claim, viewer: Viewer, options: ConsentNoticeOptions = {}): AdaptiveCard {
  return renderConsentSubject(consentSubjectOf(claim, viewer.now), viewer, options);
}

/** The notice from a `consent-notice` alert, whose data is a snapshot of the claim at approval. */
export function renderConsentAlert(alert: Alert, subject: Omit<ConsentSubject, 'state' | 'version'>, viewer: Viewer, outcome?: ConsentOutcome): AdaptiveCard {
  const closes = subject.consentCloses;
  const open = subject.optOut === 'any-time' || !closes || Date.parse(closes) > viewer.now.getTime();
  const state: ConsentSubject['state'] = outcome ?? (open ? 'open' : 'closed');
  return renderConsentSubject({ ...subject, version: alert.claimVersion, state }, viewer, {});
}

function renderConsentSubject(subject: ConsentSubject, viewer: Viewer, options: ConsentNoticeOptions): AdaptiveCard {
  const { translator: t } = viewer;
  const state: ConsentSubject['state'] = options.outcome ?? subject.state;
  const open = state === 'open';
  const confirming = open && Boolean(options.confirming);
  // Names and domains come from people: shown as typed, never as markdown.
  const partnerName = literal(subject.partnerName);
  const customerDomain = subject.customerDomain && literal(subject.customerDomain);
  const partner = subject.partnerId ? t.t('cards.common.partnerWithId', { name: partnerName, partnerId: literal(subject.partnerId) }) : partnerName;
  const scope = subject.subscriptionId
    ? t.t('cards.consent.scopeSubscription', { workloads: t.formatList(subject.workloads), subscriptionId: literal(subject.subscriptionId) })
    : t.t('cards.consent.scopeWorkloads', { workloads: t.formatList(subject.workloads) });
  const execute: ExecuteData = { claimId: subject.claimId, version: subject.version };
  const confirm = { ...execute, confirmed: true as const };
  const refreshUserIds = (options.refreshUserIds ?? []).slice(0, MAX_REFRESH_USER_IDS);
  const facts: Fact[] = [
    { title: t.t('cards.fact.partner'), value: partner },
    ...(subject.program ? [{ title: t.t('cards.fact.program'), value: subject.program }] : []),
    ...(customerDomain ? [{ title: t.t('cards.fact.customer'), value: customerDomain }] : []),
    { title: t.t('cards.fact.reference'), value: subject.claimId },
  ];
  const data: ConsentCardData = {
    title: t.t('cards.consent.title', { partner: partnerName }),
    request: t.t('cards.consent.request', { partner, customer: customerDomain ?? t.t('cards.consent.yourOrganisation'), scope }),
    purpose: t.t('cards.consent.purpose'),
    dataUse: t.t('cards.consent.dataUse', { partner: partnerName }),
    noAction: t.t('cards.consent.noAction'),
    until:
      subject.optOut === 'any-time'
        ? t.t('cards.consent.anyTime')
        : subject.consentCloses
          ? t.t('cards.consent.until', { deadline: instantFor(viewer, subject.consentCloses) })
          : t.t('cards.consent.untilUnknown'),
    note: options.note ?? '',
    confirmQuestion: t.t('cards.consent.confirmQuestion', { partner: partnerName }),
    outcome: state === 'opted-out' ? t.t('cards.consent.optedOut', { partner: partnerName }) : t.t('cards.consent.closed'),
    outcomeColor: state === 'opted-out' ? 'Attention' : 'Default',
    facts,
    labels: {
      optOut: t.t('cards.action.optOut'),
      confirmOptOut: t.t('cards.action.confirmOptOut'),
      keep: t.t('cards.action.keep'),
      refresh: t.t('cards.action.refresh'),
    },
    execute,
    confirm,
    fallback: {
      optOut: submitData('optOut', execute),
      confirm: submitData('optOut', execute, { confirmed: true }),
      keep: submitData('refreshClaim', execute),
    },
    refreshUserIds,
    show: {
      refresh: refreshUserIds.length > 0,
      note: Boolean(options.note),
      open,
      optOut: open && !confirming,
      confirming,
      outcome: !open,
    },
  };
  return template.expand(data);
}
