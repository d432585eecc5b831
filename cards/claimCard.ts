import { catalogueOf, optOutRuleOf } from '../services/consentRules.js';
import type { Action } from '../services/lifecycle.js';
import { INFORMATION_REASONS, REVIEWER_REJECTION_REASONS, type Claim } from '../services/model.js';
import { renderConsentNotice } from './consentCard.js';
import {
  MAX_REFRESH_USER_IDS,
  commandText,
  deadlineFacts,
  decisionFact,
  programText,
  commandData,
  type CommandData,
  instantFor,
  sizeText,
  statusColor,
  statusText,
  submitData,
  type ExecuteData,
  type Fact,
} from './format.js';
import { CardTemplate, type AdaptiveCard } from './template.js';
import type { Viewer } from './viewer.js';
import type { Translator } from './i18n/i18n.js';
import { literal } from './markdown.js';
import { progressLine } from './progressLine.js';
import { claimChecklist, suggestedReasons } from '../services/precheckChecklist.js';
import { checklistLines } from './precheckText.js';

// The claim card: what the claim is, where it stands, its deadlines in the reader's zone, its
// proof of execution and latest comments, and the actions the reader's role may take now. The
// lifecycle table decides which actions show, so the card never offers what the service refuses
// for the status; the service still checks everything when the action arrives.

/** Verbs of the claim card's buttons (the invoke handler in bot/cardActions.ts has one each). */
export const CLAIM_CARD_VERBS = [
  'startReview',
  'requestInformation',
  'approve',
  'reject',
  'decideDispute',
  'edit',
  'submit',
  'respond',
  'resubmit',
  'dispute',
  'comment',
  'withdraw',
  'reassign',
] as const;
export type ClaimCardVerb = (typeof CLAIM_CARD_VERBS)[number];

export interface ClaimCardData {
  title: string;
  statusLine: string;
  statusColor: string;
  progress: string;
  note: string;
  competing: string;
  situation: string;
  readOnly: string;
  facts: Fact[];
  deadlines: Fact[];
  poe: { text: string; name: string; url: string; open: string; preview: boolean }[];
  /** The pre-check over all the files: a line per check with its evidence, or what is missing. */
  precheck: { heading: string; lines: string[]; note: string };
  /** The reasons the pre-check suggests, preselected in Request information (comma-separated). */
  informationPrefill: string;
  comments: { heading: string; text: string }[];
  headings: Readonly<{ deadlines: string; poe: string; comments: string }>;
  labels: Readonly<Record<string, string>>;
  informationReasons: readonly Readonly<Fact>[];
  rejectionReasons: readonly Readonly<Fact>[];
  /** Who the claim may be handed to (value: "<tenant id>:<user id>"). */
  reviewerChoices: Fact[];
  assignee: string;
  execute: ExecuteData;
  /** The Action.Submit data of each verb the card offers (`show`): the others are never expanded. */
  fallback: Partial<Record<ClaimCardVerb, Record<string, unknown>>>;
  historyCommand: CommandData;
  refreshUserIds: string[];
  show: Record<
    ClaimCardVerb | 'history' | 'refresh' | 'note' | 'competing' | 'situation' | 'deadlines' | 'comments' | 'readOnly' | 'precheck' | 'assignee',
    boolean
  >;
}

export interface ClaimCardOptions {
  /** What the reader may do now (ClaimService.allowedActions): the card offers exactly that. */
  allowed: ReadonlySet<Action>;
  /** A short line on top, e.g. why the reader sees this version. */
  note?: string;
  /** Teams user ids that get their own role-specific card through `refresh` (at most 60). */
  refreshUserIds?: string[];
  /** Competing claims when the caller knows them (the review queue does). */
  competingWith?: readonly string[];
  /** Signed links to the PoE files by file id, for readers who may open them (poe/poeLinks.ts). */
  poeLinks?: Readonly<Record<string, string>>;
  /** Reviewers the claim may be handed to (ReviewerChoices): Reassign shows only with some. */
  reviewers?: readonly ReviewerChoice[];
}

/** A reviewer a claim may be handed to, as the picker lists them. */
export interface ReviewerChoice {
  userId: string;
  tenantId: string;
  name: string;
  /** For finding them by what a person types (chat commands). */
  email?: string;
}

/** The picker's value for a reviewer; `parseReviewerChoice` reads it back. */
export function reviewerChoiceValue(choice: Pick<ReviewerChoice, 'userId' | 'tenantId'>): string {
  return `${choice.tenantId}:${choice.userId}`;
}

export function parseReviewerChoice(value: string): { tenantId: string; userId: string } | undefined {
  const at = value.indexOf(':');
  if (at <= 0 || at === value.length - 1) return undefined;
  return { tenantId: value.slice(0, at), userId: value.slice(at + 1) };
}

/** Types a card may show as an image: the ones the upload check knows by their bytes. */
const PREVIEW_TYPES = new Set(['image/png', 'image/jpeg']);

export const claimCardTemplate = new CardTemplate<ClaimCardData>('claim');
const LATEST_COMMENTS = 3;
const LABELS = [
  'refresh',
  'startReview',
  'requestInformation',
  'approve',
  'confirmApprove',
  'approveHint',
  'reject',
  'confirmReject',
  'decideDispute',
  'overturn',
  'uphold',
  'outcome',
  'outcomeRequired',
  'edit',
  'submit',
  'respond',
  'resubmit',
  'resubmitHint',
  'dispute',
  'comment',
  'commentText',
  'withdraw',
  'withdrawHint',
  'confirmWithdraw',
  'history',
  'send',
  'reasons',
  'reasonsRequired',
  'reason',
  'reasonRequired',
  'commentToPartner',
  'commentRequired',
  'optionalComment',
  'reassign',
  'reassignTo',
  'reassignRequired',
  'confirmReassign',
] as const;

/** The card's words that depend on the reader's language only: the same on every claim card. */
interface ClaimCardWords {
  labels: Readonly<Record<string, string>>;
  /** The labels under any-time terms: the customer was told at submission, approving sends no notice. */
  labelsAnyTime: Readonly<Record<string, string>>;
  informationReasons: readonly Readonly<Fact>[];
  rejectionReasons: readonly Readonly<Fact>[];
  headings: ClaimCardData['headings'];
  readOnly: string;
  precheckHeading: string;
  noPoe: string;
  open: string;
}

/**
 * Built once per translator (about 60 messages a card would otherwise look up and fill each time)
 * and frozen: every card of the language reads them, none may change them.
 */
const WORDS = new WeakMap<Translator, ClaimCardWords>();

function wordsFor(t: Translator): ClaimCardWords {
  let words = WORDS.get(t);
  if (!words) {
    const labels = Object.fromEntries(LABELS.map((key) => [key, t.t(`cards.action.${key}`)]));
    const reasons = (values: readonly string[], group: string) =>
      Object.freeze(values.map((value) => Object.freeze({ title: t.t(`${group}.${value}`), value })));
    words = Object.freeze({
      labels: Object.freeze(labels),
      labelsAnyTime: Object.freeze({ ...labels, approveHint: t.t('cards.action.approveHintAnyTime') }),
      informationReasons: reasons(INFORMATION_REASONS, 'claims.informationReason'),
      rejectionReasons: reasons(REVIEWER_REJECTION_REASONS, 'claims.rejectionReason'),
      headings: Object.freeze({ deadlines: t.t('cards.claim.deadlines'), poe: t.t('cards.claim.poe'), comments: t.t('cards.claim.comments') }),
      readOnly: t.t('cards.claim.readOnly'),
      precheckHeading: t.t('cards.precheck.heading'),
      noPoe: t.t('cards.claim.noPoe'),
      open: t.t('cards.action.open'),
    });
    WORDS.set(t, words);
  }
  return words;
}

/** The lifecycle action behind each card verb; `respond` is the conversation ending in `resubmit`. */
const VERB_ACTION: Record<ClaimCardVerb, Action> = {
  startReview: 'startReview',
  requestInformation: 'requestInformation',
  approve: 'approve',
  reject: 'reject',
  decideDispute: 'overturn',
  edit: 'edit',
  submit: 'submit',
  respond: 'resubmit',
  resubmit: 'resubmit',
  dispute: 'dispute',
  comment: 'comment',
  withdraw: 'withdraw',
  reassign: 'reassign',
};

/**
 * Whether the card offers `verb`: exactly when the service would accept its action from this
 * reader now (`allowed`, from ClaimService.allowedActions). Respond is the same editing followed
 * by resubmitting, so it stands for Edit where both are open (a card shows five actions at most).
 */
export function offers(verb: ClaimCardVerb, allowed: ReadonlySet<Action>): boolean {
  if (verb === 'edit' && allowed.has('resubmit')) return false;
  return allowed.has(VERB_ACTION[verb]);
}

/** Card verbs another offered verb stands for (see `offers`). */
export const COVERED_BY: Partial<Record<ClaimCardVerb, ClaimCardVerb>> = { edit: 'respond' };

export function renderClaimCard(claim: Claim, viewer: Viewer, options: ClaimCardOptions): AdaptiveCard {
  if (viewer.role === 'customer') {
    return renderConsentNotice(claim, viewer, { ...(options.refreshUserIds ? { refreshUserIds: options.refreshUserIds } : {}) });
  }
  return claimCardTemplate.expand(claimCardData(claim, viewer, options));
}

/**
 * Everything the claim card shows, already in the reader's words, zone and formats: the template
 * only places it (partners, reviewers and observers; customers get the consent notice).
 */
export function claimCardData(claim: Claim, viewer: Viewer, options: ClaimCardOptions): ClaimCardData {
  const { translator: t } = viewer;
  const words = wordsFor(t);
  const execute: ExecuteData = { claimId: claim.id, version: claim.version };
  const show = Object.fromEntries(CLAIM_CARD_VERBS.map((verb) => [verb, offers(verb, options.allowed)])) as Record<ClaimCardVerb, boolean>;
  // Nobody to hand it to, nothing to offer: the picker would be empty.
  // A choice's title is plain text (no markdown): an escape would show as a backslash.
  const reviewerChoices = (options.reviewers ?? []).map((choice) => ({ title: choice.name, value: reviewerChoiceValue(choice) }));
  show.reassign = show.reassign && reviewerChoices.length > 0;
  const assignee = claim.assignedReviewer
    ? t.t('cards.claim.assignee', { reviewer: literal(claim.assignedReviewer.name ?? claim.assignedReviewer.userId) })
    : '';
  const anyAction = CLAIM_CARD_VERBS.some((verb) => show[verb]);
  const refreshUserIds = (options.refreshUserIds ?? []).slice(0, MAX_REFRESH_USER_IDS);
  const competingWith = options.competingWith ?? [];
  const comments = claim.comments.slice(-LATEST_COMMENTS).map((comment) => ({
    heading: t.t('cards.claim.commentBy', {
      author: literal(comment.authorName ?? comment.authorId),
      side: t.t(`cards.side.${comment.side}`),
      at: instantFor(viewer, comment.at),
    }),
    text: literal(comment.text),
  }));
  const poe = claim.poe.length
    ? claim.poe.map((file) => {
        const url = options.poeLinks?.[file.id] ?? '';
        const item = t.t('cards.claim.poeItem', { name: literal(file.name), size: sizeText(viewer, file.size), at: instantFor(viewer, file.uploadedAt) });
        return {
          // A markdown link, not an Action.OpenUrl: clients that render Universal Action cards in
          // an applet (the Agents Playground) drop OpenUrl there; every client follows a link.
          text: url ? `${item} · [${words.open}](${url})` : item,
          name: file.name,
          url,
          open: words.open,
          preview: url !== '' && PREVIEW_TYPES.has(file.contentType),
        };
      })
    : [{ text: words.noPoe, name: '', url: '', open: '', preview: false }];
  const checklist = claimChecklist(claim.poe);
  const prefill = checklist ? suggestedReasons(checklist.items) : [];
  const precheckLines = checklistLines(t, claim.poe);
  const situation = situationText(claim, viewer);
  return {
    title: t.t('cards.claim.title', { claimId: claim.id }),
    statusLine: statusText(viewer, claim.status, claim.consentPhase),
    statusColor: statusColor(claim.status),
    progress: progressLine(claim, viewer),
    note: options.note ?? '',
    competing: competingWith.length ? t.t('cards.claim.competing', { claims: t.formatList(competingWith) }) : '',
    situation,
    readOnly: words.readOnly,
    facts: claimFacts(claim, viewer),
    deadlines: [...decisionFact(viewer, claim.decisionDue, claim.status), ...deadlineFacts(viewer, claim.deadlines)],
    poe,
    precheck: {
      heading: words.precheckHeading,
      lines: precheckLines,
      // The partner may submit whatever the pre-check says; a reviewer learns what it suggests.
      note:
        viewer.role === 'reviewer'
          ? show.requestInformation && prefill.length
            ? t.t('cards.precheck.reviewerHint', { action: t.t('cards.action.requestInformation') })
            : ''
          : show.submit || show.resubmit || show.respond
            ? t.t('cards.precheck.maySubmit')
            : '',
    },
    informationPrefill: prefill.join(','),
    comments,
    headings: words.headings,
    labels: optOutRuleOf(claim) === 'any-time' ? words.labelsAnyTime : words.labels,
    informationReasons: words.informationReasons,
    rejectionReasons: words.rejectionReasons,
    reviewerChoices,
    assignee,
    execute,
    fallback: Object.fromEntries(CLAIM_CARD_VERBS.filter((verb) => show[verb]).map((verb) => [verb, submitData(verb, execute)])),
    historyCommand: commandData(commandText(viewer, 'history', claim.id)),
    refreshUserIds,
    show: {
      ...show,
      history: viewer.role === 'partner' || viewer.role === 'reviewer',
      refresh: refreshUserIds.length > 0,
      note: Boolean(options.note),
      competing: competingWith.length > 0,
      situation: situation !== '',
      deadlines: Object.keys(claim.deadlines).length > 0 || claim.decisionDue !== undefined,
      comments: comments.length > 0,
      readOnly: !anyAction,
      precheck: precheckLines.length > 0,
      // Reviewers see who has the claim; partners deal with "the reviewer".
      assignee: viewer.role === 'reviewer' && assignee !== '',
    },
  };
}

/** Program, partner, customer and scope, as every claim-shaped card shows them. */
export function claimFacts(claim: Claim, viewer: Viewer): Fact[] {
  const { translator: t } = viewer;
  const { details } = claim;
  const facts: Fact[] = [];
  const add = (key: string, value: string | undefined) => {
    if (value) facts.push({ title: t.t(`cards.fact.${key}`), value });
  };
  const partnerName = literal(claim.partnerName);
  const contact = (person: { name: string; email: string } | undefined) => (person ? literal(`${person.name} <${person.email}>`) : undefined);
  add('program', details.program && programText(details.program, catalogueOf(claim)));
  add('activity', details.activity && t.t(`claims.activity.${details.activity}`));
  add('partner', details.partnerId ? t.t('cards.common.partnerWithId', { name: partnerName, partnerId: literal(details.partnerId) }) : partnerName);
  add('customer', details.customerDomain && literal(details.customerDomain));
  add('customerTenant', details.customerTenantId && literal(details.customerTenantId));
  add('subscription', details.subscriptionId && literal(details.subscriptionId));
  add('workloads', details.workloads?.length ? t.formatList(details.workloads) : undefined);
  add('customerContact', contact(details.customerContact));
  add('partnerContact', contact(details.partnerContact));
  add('submitted', claim.submittedAt ? instantFor(viewer, claim.submittedAt) : undefined);
  add('updated', instantFor(viewer, claim.updatedAt));
  return facts;
}

/** What the partner was asked, or why the claim was rejected. */
function situationText(claim: Claim, viewer: Viewer): string {
  const { translator: t } = viewer;
  if (claim.status === 'PartnerActionRequired' && claim.informationRequest) {
    const reasons = t.formatList(claim.informationRequest.reasons.map((reason) => t.t(`claims.informationReason.${reason}`)));
    return t.t('cards.claim.informationRequested', { reasons, comment: literal(claim.informationRequest.comment) });
  }
  if ((claim.status === 'Rejected' || claim.status === 'Disputed') && claim.rejection) {
    const reason = t.t(`claims.rejectionReason.${claim.rejection.reason}`);
    const text = t.t('cards.claim.rejected', { reason });
    return claim.status === 'Rejected' && claim.rejection.final ? `${text} ${t.t('cards.claim.final')}` : text;
  }
  return '';
}
