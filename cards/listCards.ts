import type { BulkAction, QueueItem } from '../services/claimService.js';
import type { Action } from '../services/lifecycle.js';
import { INFORMATION_REASONS, REVIEWER_REJECTION_REASONS, type Claim } from '../services/model.js';
import {
  CURRENT_DEADLINE,
  commandText,
  durationText,
  commandData,
  type CommandData,
  instantFor,
  programText,
  statusColor,
  statusText,
  summaryOf,
} from './format.js';
import { catalogueOf } from '../services/consentRules.js';
import { CardTemplate, type AdaptiveCard } from './template.js';
import type { Viewer } from './viewer.js';
import { literal } from './markdown.js';

// Lists of claims: a partner's own claims and the reviewers' queue. Each row opens the claim card
// through the `claim <id>` text command in the reader's language.

const MAX_ROWS = 25;

export interface ClaimListData {
  title: string;
  summary: string;
  /** When the list was produced: a list is a snapshot, refreshed on demand. */
  asOf: string;
  claims: { claimId: string; status: string; statusColor: string; line: string; deadline: string; open: string; command: CommandData }[];
  labels: { newClaim: string; help: string; refresh: string };
  commands: { newClaim: CommandData; help: CommandData; refresh: CommandData };
  show: { newClaim: boolean };
}

export interface ReviewQueueData {
  title: string;
  summary: string;
  asOf: string;
  items: {
    claimId: string;
    status: string;
    style: 'attention' | 'default';
    line: string;
    age: string;
    overdue: string;
    competing: string;
    ownOrganisation: string;
    open: string;
    command: CommandData;
  }[];
  labels: Record<(typeof QUEUE_LABELS)[number], string>;
  commands: { queue: CommandData };
  /** Bulk decisions: the claims that may be selected (value "<id>@<version>") and what may be done to them. */
  selectable: { title: string; value: string }[];
  informationReasons: { title: string; value: string }[];
  rejectionReasons: { title: string; value: string }[];
  bulk: Record<BulkAction, { bulkAction: BulkAction }>;
  fallback: Record<BulkAction, { bulkAction: BulkAction; verb: 'bulkDecide' }>;
  show: Record<BulkAction | 'select', boolean>;
}

export interface ReviewQueueOptions {
  /** What the reader may do to each claim now (ClaimService.allowedActions): the selection offers exactly that. */
  allowed?: (claim: Claim) => ReadonlySet<Action>;
}

const QUEUE_LABELS = [
  'refresh',
  'select',
  'selectRequired',
  'startReview',
  'approve',
  'reject',
  'requestInformation',
  'reason',
  'reasonRequired',
  'reasons',
  'reasonsRequired',
  'commentToPartner',
  'commentRequired',
  'confirmReject',
  'send',
] as const;

/** The bulk actions in the order the card offers them. */
const BULK_ORDER: readonly BulkAction[] = ['startReview', 'approve', 'requestInformation', 'reject'];

/** The value a selected claim sends back: its id and the version the reader saw. */
export function bulkChoiceValue(claim: Pick<Claim, 'id' | 'version'>): string {
  return `${claim.id}@${claim.version}`;
}

const listTemplate = new CardTemplate<ClaimListData>('claimList');
const queueTemplate = new CardTemplate<ReviewQueueData>('reviewQueue');

function scopeLine(claim: Claim, viewer: Viewer): string {
  const { details } = claim;
  const parts = [
    details.program && programText(details.program, catalogueOf(claim)),
    details.customerDomain && literal(details.customerDomain),
    details.workloads?.length ? viewer.translator.formatList(details.workloads) : undefined,
  ];
  return parts.filter((part): part is string => Boolean(part)).join(' · ') || viewer.translator.t('cards.list.noDetails');
}

function asOf(viewer: Viewer): string {
  return viewer.translator.t('cards.common.asOf', { time: instantFor(viewer, viewer.now.toISOString()) });
}

export function renderClaimList(result: { total: number; claims: Claim[] }, viewer: Viewer): AdaptiveCard {
  const { translator: t } = viewer;
  const shown = result.claims.slice(0, MAX_ROWS);
  const data: ClaimListData = {
    title: t.t('cards.list.title'),
    summary: result.total === 0 ? t.t('cards.list.empty') : summaryOf(t, 'cards.list', shown.length, result.total),
    asOf: asOf(viewer),
    claims: shown.map((claim) => {
      const deadlineName = CURRENT_DEADLINE[claim.status];
      const due = deadlineName ? claim.deadlines[deadlineName] : undefined;
      return {
        claimId: claim.id,
        status: statusText(viewer, claim.status, claim.consentPhase),
        statusColor: statusColor(claim.status),
        line: scopeLine(claim, viewer),
        deadline: deadlineName && due ? `${t.t(`cards.deadline.${deadlineName}`)}: ${instantFor(viewer, due)}` : '',
        open: t.t('cards.action.open'),
        command: commandData(commandText(viewer, 'claim', claim.id)),
      };
    }),
    labels: { newClaim: t.t('cards.action.newClaim'), help: t.t('cards.action.help'), refresh: t.t('cards.action.refresh') },
    commands: {
      newClaim: commandData(commandText(viewer, 'new-claim')),
      help: commandData(commandText(viewer, 'help')),
      refresh: commandData(commandText(viewer, 'my-claims')),
    },
    show: { newClaim: viewer.role === 'partner' },
  };
  return listTemplate.expand(data);
}

export function renderReviewQueue(items: QueueItem[], viewer: Viewer, options: ReviewQueueOptions = {}): AdaptiveCard {
  const { translator: t } = viewer;
  // Oldest first, whatever order the caller passes.
  const ordered = [...items].sort((a, b) => a.claim.statusSince.localeCompare(b.claim.statusSince) || a.claim.id.localeCompare(b.claim.id));
  const shown = ordered.slice(0, MAX_ROWS);
  const data: ReviewQueueData = {
    title: t.t('cards.queue.title'),
    summary:
      items.length === 0
        ? t.t('cards.queue.empty')
        : summaryOf(t, 'cards.queue', shown.length, items.length, { overdue: items.filter((item) => item.overdue).length }),
    asOf: asOf(viewer),
    items: shown.map((item) => ({
      claimId: item.claim.id,
      status: statusText(viewer, item.claim.status, item.claim.consentPhase),
      style: item.overdue ? 'attention' : 'default',
      line: `${literal(item.claim.partnerName)} · ${scopeLine(item.claim, viewer)}`,
      age: item.slaDue
        ? t.t('cards.queue.ageWithDue', { age: durationText(viewer, item.ageMs), due: instantFor(viewer, item.slaDue) })
        : t.t('cards.queue.age', { age: durationText(viewer, item.ageMs) }),
      overdue: item.overdue ? t.t('cards.queue.overdue') : '',
      competing: item.competingWith.length ? t.t('cards.claim.competing', { claims: t.formatList(item.competingWith) }) : '',
      ownOrganisation: item.ownOrganisation ? t.t('cards.queue.ownOrganisation') : '',
      open: t.t('cards.action.open'),
      command: commandData(commandText(viewer, 'claim', item.claim.id)),
    })),
    labels: Object.fromEntries(QUEUE_LABELS.map((key) => [key, t.t(`cards.queue.bulk.${key}`)])) as ReviewQueueData['labels'],
    commands: { queue: commandData(commandText(viewer, 'queue')) },
    ...bulkParts(shown, viewer, options),
  };
  return queueTemplate.expand(data);
}

/** The selection and the bulk buttons: only claims the reader may decide now, only actions one of them allows. */
function bulkParts(
  shown: QueueItem[],
  viewer: Viewer,
  options: ReviewQueueOptions,
): Pick<ReviewQueueData, 'selectable' | 'informationReasons' | 'rejectionReasons' | 'bulk' | 'fallback' | 'show'> {
  const { translator: t } = viewer;
  const open = new Set<BulkAction>();
  const selectable: ReviewQueueData['selectable'] = [];
  for (const item of shown) {
    const allowed = options.allowed?.(item.claim) ?? new Set<Action>();
    const actions = BULK_ORDER.filter((action) => allowed.has(action));
    if (!actions.length) continue;
    actions.forEach((action) => open.add(action));
    const status = statusText(viewer, item.claim.status, item.claim.consentPhase);
    // A choice's title is plain text (no markdown), so the name goes in as it is.
    selectable.push({ title: `${item.claim.id} · ${status} · ${item.claim.partnerName}`, value: bulkChoiceValue(item.claim) });
  }
  const show = Object.fromEntries(BULK_ORDER.map((action) => [action, open.has(action)])) as Record<BulkAction, boolean>;
  return {
    selectable,
    informationReasons: INFORMATION_REASONS.map((value) => ({ title: t.t(`claims.informationReason.${value}`), value })),
    rejectionReasons: REVIEWER_REJECTION_REASONS.map((value) => ({ title: t.t(`claims.rejectionReason.${value}`), value })),
    bulk: Object.fromEntries(BULK_ORDER.map((action) => [action, { bulkAction: action }])) as ReviewQueueData['bulk'],
    fallback: Object.fromEntries(BULK_ORDER.map((action) => [action, { bulkAction: action, verb: 'bulkDecide' as const }])) as ReviewQueueData['fallback'],
    show: { ...show, select: selectable.length > 0 },
  };
}
