import type { Translator } from '../cards/i18n/i18n.js';
import { programShortName, PROGRAMS, type Program } from '../services/catalogue.js';
import type { QueueItem } from '../services/claims/queries.js';
import type { ProgramRates, SlaFigures, TimeInStatus, WorkloadItem, DayCounts } from '../services/claimStatistics.js';
import { nextDeadline } from '../services/claimTable.js';
import { DEADLINE_NAMES, STATUSES, type Claim, type HistoryEntry, type Status } from '../services/model.js';
import type { ExportTable } from './tabExport.js';

// What the tab's API answers, in the reader's language: service data turned into rows the page
// renders. Instants stay ISO (the page shows them in the reader's own zone); labels are translated.

export function statusLabel(t: Translator, claim: Pick<Claim, 'status' | 'consentPhase'>): string {
  const label = t.t(`claims.status.${claim.status}`);
  return claim.status === 'Approved' && claim.consentPhase
    ? t.t('cards.common.statusWithPhase', { status: label, phase: t.t(`claims.consentPhase.${claim.consentPhase}`) })
    : label;
}

export function programLabel(claim: Claim): string {
  const program = claim.details.program;
  return program && (PROGRAMS as readonly string[]).includes(program) ? programShortName(program as Program, claim.terms?.catalogue) : '';
}

function deadlineName(claim: Claim, at: string | undefined): string | undefined {
  if (!at) return undefined;
  if (claim.decisionDue === at) return 'decision';
  return DEADLINE_NAMES.find((name) => claim.deadlines[name] === at);
}

export interface ClaimRow {
  id: string;
  status: Status;
  statusText: string;
  program: string;
  partnerName: string;
  customer: string;
  changed: string;
  deadline?: string;
  deadlineText?: string;
}

export function claimRow(t: Translator, claim: Claim): ClaimRow {
  const deadline = nextDeadline(claim);
  const name = deadlineName(claim, deadline);
  return {
    id: claim.id,
    status: claim.status,
    statusText: statusLabel(t, claim),
    program: programLabel(claim),
    partnerName: claim.partnerName,
    customer: claim.details.customerDomain ?? '',
    changed: claim.updatedAt,
    ...(deadline ? { deadline, ...(name ? { deadlineText: t.t(`cards.deadline.${name}`) } : {}) } : {}),
  };
}

export interface HistoryRow {
  seq: number;
  at: string;
  who: string;
  role: string;
  action: string;
  fromStatus?: string;
  toStatus?: string;
  reasons?: string;
  comment?: string;
}

function reasonLabel(t: Translator, reason: string): string {
  for (const group of ['claims.informationReason', 'claims.rejectionReason']) if (t.has(`${group}.${reason}`)) return t.t(`${group}.${reason}`);
  return reason;
}

export function historyRow(t: Translator, entry: HistoryEntry): HistoryRow {
  const changed = entry.fromStatus !== undefined && entry.toStatus !== undefined && entry.fromStatus !== entry.toStatus;
  return {
    seq: entry.seq,
    at: entry.at,
    who: entry.role === 'system' ? t.t('cards.history.system') : (entry.actorName ?? t.t('cards.history.someone')),
    role: t.has(`cards.role.${entry.role}`) ? t.t(`cards.role.${entry.role}`) : entry.role,
    action: t.has(`cards.history.action.${entry.action}`) ? t.t(`cards.history.action.${entry.action}`) : entry.action,
    ...(changed ? { fromStatus: t.t(`claims.status.${entry.fromStatus}`), toStatus: t.t(`claims.status.${entry.toStatus}`) } : {}),
    ...(entry.reasons?.length ? { reasons: t.formatList(entry.reasons.map((reason) => reasonLabel(t, reason))) } : {}),
    ...(entry.comment ? { comment: entry.comment } : {}),
  };
}

export interface ClaimDetail extends ClaimRow {
  /** The status with what it means now: the reasons asked for, or why it was rejected. */
  statusLine: string;
  facts: { title: string; value: string }[];
  deadlines: { name: string; title: string; at: string }[];
  history: HistoryRow[];
  poe: { name: string; size: number; uploadedAt: string; url?: string }[];
}

export function claimDetail(t: Translator, claim: Claim, poeLinks: Record<string, string>): ClaimDetail {
  const details = claim.details;
  const notes: string[] = [];
  if (claim.informationRequest) notes.push(t.formatList(claim.informationRequest.reasons.map((reason) => reasonLabel(t, reason))));
  if (claim.rejection) notes.push(reasonLabel(t, claim.rejection.reason));
  const fact = (key: string, value: string | undefined) => (value ? [{ title: t.t(`cards.fact.${key}`), value }] : []);
  const deadlines = DEADLINE_NAMES.flatMap((name) => {
    const at = name === 'decision' ? claim.decisionDue : claim.deadlines[name];
    return at ? [{ name, title: t.t(`cards.deadline.${name}`), at }] : [];
  });
  return {
    ...claimRow(t, claim),
    statusLine: [statusLabel(t, claim), ...notes].join(' · '),
    facts: [
      ...fact('program', programLabel(claim)),
      ...fact('activity', details.activity ? t.t(`claims.activity.${details.activity}`) : undefined),
      ...fact('partner', details.partnerId ? `${claim.partnerName} (${details.partnerId})` : claim.partnerName),
      ...fact('customer', details.customerDomain),
      ...fact('customerTenant', details.customerTenantId),
      ...fact('subscription', details.subscriptionId),
      ...fact('workloads', details.workloads?.length ? t.formatList(details.workloads) : undefined),
      ...fact('customerContact', details.customerContact ? `${details.customerContact.name}, ${details.customerContact.email}` : undefined),
      ...fact('partnerContact', details.partnerContact ? `${details.partnerContact.name}, ${details.partnerContact.email}` : undefined),
    ],
    deadlines,
    history: claim.history.map((entry) => historyRow(t, entry)),
    poe: claim.poe.map((file) => ({ name: file.name, size: file.size, uploadedAt: file.uploadedAt, ...(poeLinks[file.id] ? { url: poeLinks[file.id] } : {}) })),
  };
}

export interface QueueRow extends ClaimRow {
  since: string;
  ageMs: number;
  slaDue?: string;
  overdue: boolean;
  ownOrganisation: boolean;
  competingWith: string[];
}

export function queueRow(t: Translator, item: QueueItem): QueueRow {
  return {
    ...claimRow(t, item.claim),
    since: item.claim.statusSince,
    ageMs: item.ageMs,
    ...(item.slaDue ? { slaDue: item.slaDue } : {}),
    overdue: item.overdue,
    ownOrganisation: item.ownOrganisation,
    competingWith: item.competingWith,
  };
}

export function workloadRow(t: Translator, item: WorkloadItem): WorkloadItem & { statusText: string; actionText: string } {
  return {
    ...item,
    statusText: t.t(`claims.status.${item.status}`),
    actionText: t.has(`cards.history.action.${item.lastAction}`) ? t.t(`cards.history.action.${item.lastAction}`) : item.lastAction,
  };
}

export interface StatisticsView {
  from: string;
  to: string;
  statuses: { status: Status; label: string }[];
  byDay: DayCounts[];
  timeInStatus: (TimeInStatus & { label: string })[];
  sla: (SlaFigures & { label: string })[];
  programs: ProgramRates[];
}

export function statisticsView(
  t: Translator,
  range: { from: string; to: string },
  figures: { byDay: DayCounts[]; timeInStatus: TimeInStatus[]; sla: SlaFigures[]; programs: ProgramRates[] },
): StatisticsView {
  return {
    ...range,
    statuses: STATUSES.filter((status) => status !== 'Draft').map((status) => ({ status, label: t.t(`claims.status.${status}`) })),
    byDay: figures.byDay,
    timeInStatus: figures.timeInStatus.map((entry) => ({ ...entry, label: t.t(`claims.status.${entry.status}`) })),
    sla: figures.sla.map((entry) => ({ ...entry, label: t.t(`tab.stats.sla.${entry.kind}`) })),
    programs: figures.programs,
  };
}

/** The two tables of an export: the claims as the table shows them (all pages), and their history. */
export function exportTables(t: Translator, claims: readonly Claim[]): ExportTable[] {
  const h = (key: string) => t.t(`tab.export.${key}`);
  return [
    {
      name: h('claimsSheet'),
      headers: [
        'id',
        'status',
        'program',
        'activity',
        'partner',
        'partnerId',
        'customer',
        'customerTenant',
        'subscription',
        'workloads',
        'submitted',
        'changed',
        'deadline',
      ].map((key) => h(`column.${key}`)),
      rows: claims.map((claim) => [
        claim.id,
        statusLabel(t, claim),
        programLabel(claim),
        claim.details.activity ?? '',
        claim.partnerName,
        claim.details.partnerId ?? '',
        claim.details.customerDomain ?? '',
        claim.details.customerTenantId ?? '',
        claim.details.subscriptionId ?? '',
        (claim.details.workloads ?? []).join('; '),
        claim.submittedAt ?? '',
        claim.updatedAt,
        nextDeadline(claim) ?? '',
      ]),
    },
    {
      name: h('historySheet'),
      headers: ['id', 'seq', 'at', 'who', 'role', 'action', 'from', 'to', 'reasons', 'comment'].map((key) => h(`column.${key}`)),
      rows: claims.flatMap((claim) =>
        claim.history.map((entry) => {
          const row = historyRow(t, entry);
          return [claim.id, row.seq, row.at, row.who, row.role, row.action, row.fromStatus ?? '', row.toStatus ?? '', row.reasons ?? '', row.comment ?? ''];
        }),
      ),
    },
  ];
}
