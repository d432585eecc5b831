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
import type { Reader, Viewer } from './viewer.js';
import type { Translator } from './i18n/i18n.js';
import { literal } from './markdown.js';
import { progressLine } from './progressLine.js';
import { claimChecklist, suggestedReasons } from '../services/precheckChecklist.js';
import { linesOfChecklist } from './precheckText.js';
import { RecentlyUsed } from '../services/store/recentlyUsed.js';

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
  facts: readonly Readonly<Fact>[];
  deadlines: readonly Readonly<Fact>[];
  poe: readonly Readonly<{ text: string; name: string; url: string; open: string; preview: boolean }>[];
  /** The pre-check over all the files: a line per check with its evidence, or what is missing. */
  precheck: { heading: string; lines: readonly string[]; note: string };
  /** The reasons the pre-check suggests, preselected in Request information (comma-separated). */
  informationPrefill: string;
  comments: readonly Readonly<{ heading: string; text: string }>[];
  headings: Readonly<{ deadlines: string; poe: string; comments: string }>;
  labels: Readonly<Record<string, string>>;
  informationReasons: readonly Readonly<Fact>[];
  rejectionReasons: readonly Readonly<Fact>[];
  /** Who the claim may be handed to (value: "<tenant id>:<user id>"). */
  reviewerChoices: Fact[];
  assignee: string;
  execute: Readonly<ExecuteData>;
  /** The Action.Submit data of each verb the card offers (`show`): the others are never expanded. */
  fallback: Partial<Record<ClaimCardVerb, Readonly<Record<string, unknown>>>>;
  historyCommand: Readonly<CommandData>;
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
  /** The pre-check's note to a reviewer when it suggests reasons, and to a partner who may submit. */
  reviewerHint: string;
  maySubmit: string;
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
      reviewerHint: t.t('cards.precheck.reviewerHint', { action: t.t('cards.action.requestInformation') }),
      maySubmit: t.t('cards.precheck.maySubmit'),
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
 * What the claim card says of the claim: everything but its history (the card shows none) and its
 * timers (the deadlines they serve are in `deadlines`). The texts kept between cards are written
 * from this alone, so nothing else of the claim can make them stale.
 */
export type ClaimCardSource = Omit<Claim, 'history' | 'timers'>;

/**
 * What the card shows of the claim itself, in one language and zone: the same for every reader of
 * them, whatever their role or what they may do. Written once per claim, language and zone (see
 * CLAIM_TEXTS) and frozen, as every card of them reads it.
 */
interface ClaimTexts {
  title: string;
  statusLine: string;
  statusColor: string;
  progress: string;
  situation: string;
  assignee: string;
  facts: readonly Readonly<Fact>[];
  deadlines: readonly Readonly<Fact>[];
  /** Whether the deadlines heading shows: the claim has deadlines or a decision date. */
  hasDeadlines: boolean;
  /** Each file's line before any link to it, or the one "no files" line. */
  poe: readonly Readonly<ClaimCardData['poe'][number]>[];
  /** The file ids behind `poe` (none for the "no files" line), and whether each may show as an image. */
  poeFiles: readonly Readonly<{ id: string; previewable: boolean }>[];
  precheckLines: readonly string[];
  informationPrefill: string;
  comments: readonly Readonly<ClaimCardData['comments'][number]>[];
  labels: Readonly<Record<string, string>>;
  historyCommand: Readonly<CommandData>;
  execute: Readonly<ExecuteData>;
  /** The Action.Submit data of every verb; a card takes those it offers. */
  fallbacks: Readonly<Record<ClaimCardVerb, Readonly<Record<string, unknown>>>>;
}

/** How many claims' texts are kept (by claim, language and zone): a queue's worth and more. */
const CLAIM_TEXTS_KEPT = 256;

/**
 * Claim texts by language, zone and claim id, with the claim they were written from to tell
 * whether they still say what it says: a claim of another instance, or a copy changed in hand, is
 * compared as JSON (ClaimCardSource). A stored claim is frozen all the way down, so the same object
 * needs no comparison (every card of a claim a turn read), and another version is another claim.
 * The least recently used goes first.
 */
const CLAIM_TEXTS = new RecentlyUsed<KeptTexts>(CLAIM_TEXTS_KEPT);

interface KeptTexts {
  /** The claim they were last asked for. */
  claim: Claim;
  /** What they were written from, as JSON; written when first compared if `claim` is frozen (it cannot change). */
  source?: string;
  texts: ClaimTexts;
}

/** How many claim texts are kept now (for the test that the cache stays bounded). */
export function claimTextsKept(): number {
  return CLAIM_TEXTS.size;
}

function sourceOf(claim: Claim): ClaimCardSource & { history?: undefined; timers?: undefined } {
  return { ...claim, history: undefined, timers: undefined };
}

function claimTextsFor(claim: Claim, reader: Reader): ClaimTexts {
  const key = `${reader.translator.locale}\u0000${reader.timeZone}\u0000${claim.id}`;
  const kept = CLAIM_TEXTS.get(key);
  const frozen = Object.isFrozen(claim);
  if (kept?.claim === claim && frozen) return kept.texts;
  const source = sourceOf(claim);
  let json: string | undefined;
  if (kept && kept.claim.version === claim.version) {
    kept.source ??= JSON.stringify(sourceOf(kept.claim));
    json = JSON.stringify(source);
    if (kept.source === json) {
      CLAIM_TEXTS.set(key, { claim, source: json, texts: kept.texts });
      return kept.texts;
    }
  }
  // Handed the language and zone alone: nothing else of this reader can reach a kept text. Parts
  // are taken from the kept texts only if their claim is frozen: a claim changed in hand may have
  // changed since they were written.
  const previous = kept && Object.isFrozen(kept.claim) ? kept : undefined;
  const texts = claimTexts(source, { translator: reader.translator, timeZone: reader.timeZone }, previous);
  CLAIM_TEXTS.set(key, { claim, ...(frozen ? {} : { source: json ?? JSON.stringify(source) }), texts });
  return texts;
}

function freezeAll<T extends object>(items: T[]): readonly Readonly<T>[] {
  return Object.freeze(items.map((item) => Object.freeze(item)));
}

/** Whether two lists hold the same frozen entries (so the same content), in the same order. */
function sameFrozenEntries<T>(list: readonly T[], other: readonly T[]): boolean {
  return list.length === other.length && list.every((entry, index) => entry === other[index] && Object.isFrozen(entry));
}

/**
 * The claim's texts in the reader's language and zone: reads nothing of the reader but those.
 * `previous`: texts of the claim in the same language and zone (another version, most often),
 * whose lines of the files and comments are taken as they are when those are the same entries.
 */
function claimTexts(claim: ClaimCardSource, reader: Reader, previous?: KeptTexts): ClaimTexts {
  const { translator: t } = reader;
  const words = wordsFor(t);
  const execute = Object.freeze({ claimId: claim.id, version: claim.version });
  const latestComments = claim.comments.slice(-LATEST_COMMENTS);
  const comments =
    previous && sameFrozenEntries(latestComments, previous.claim.comments.slice(-LATEST_COMMENTS))
      ? previous.texts.comments
      : freezeAll(
          latestComments.map((comment) => ({
            heading: t.t('cards.claim.commentBy', {
              author: literal(comment.authorName ?? comment.authorId),
              side: t.t(`cards.side.${comment.side}`),
              at: instantFor(reader, comment.at),
            }),
            text: literal(comment.text),
          })),
        );
  const files = previous && sameFrozenEntries(claim.poe, previous.claim.poe) ? previous.texts : filesTexts(claim, reader, words);
  return Object.freeze({
    title: t.t('cards.claim.title', { claimId: claim.id }),
    statusLine: statusText(reader, claim.status, claim.consentPhase),
    statusColor: statusColor(claim.status),
    progress: progressLine(claim, reader),
    situation: situationText(claim, t),
    assignee: claim.assignedReviewer ? t.t('cards.claim.assignee', { reviewer: literal(claim.assignedReviewer.name ?? claim.assignedReviewer.userId) }) : '',
    facts: freezeAll(claimFacts(claim, reader)),
    deadlines: freezeAll([...decisionFact(reader, claim.decisionDue, claim.status), ...deadlineFacts(reader, claim.deadlines)]),
    hasDeadlines: Object.keys(claim.deadlines).length > 0 || claim.decisionDue !== undefined,
    poe: files.poe,
    poeFiles: files.poeFiles,
    precheckLines: files.precheckLines,
    informationPrefill: files.informationPrefill,
    comments,
    labels: optOutRuleOf(claim) === 'any-time' ? words.labelsAnyTime : words.labels,
    historyCommand: Object.freeze(commandData(commandText(reader, 'history', claim.id))),
    execute,
    fallbacks: Object.freeze(
      Object.fromEntries(CLAIM_CARD_VERBS.map((verb) => [verb, Object.freeze(submitData(verb, execute))])) as Record<ClaimCardVerb, Record<string, unknown>>,
    ),
  });
}

/** What the card says of the claim's files: a line each, and the pre-check over all of them. */
function filesTexts(
  claim: ClaimCardSource,
  reader: Reader,
  words: ClaimCardWords,
): Pick<ClaimTexts, 'poe' | 'poeFiles' | 'precheckLines' | 'informationPrefill'> {
  const { translator: t } = reader;
  const poe = claim.poe.length
    ? claim.poe.map((file) => ({
        text: t.t('cards.claim.poeItem', { name: literal(file.name), size: sizeText(reader, file.size), at: instantFor(reader, file.uploadedAt) }),
        name: file.name,
        url: '',
        open: words.open,
        preview: false,
      }))
    : [{ text: words.noPoe, name: '', url: '', open: '', preview: false }];
  const checklist = claimChecklist(claim.poe);
  return {
    poe: freezeAll(poe),
    poeFiles: freezeAll(claim.poe.map((file) => ({ id: file.id, previewable: PREVIEW_TYPES.has(file.contentType) }))),
    precheckLines: Object.freeze(linesOfChecklist(t, checklist)),
    informationPrefill: (checklist ? suggestedReasons(checklist.items) : []).join(','),
  };
}

/**
 * Everything the claim card shows, already in the reader's words, zone and formats: the template
 * only places it (partners, reviewers and observers; customers get the consent notice). What the
 * claim says comes from its texts (kept by claim, language and zone); what this reader may do,
 * their links and the people they may hand it to are added for each card.
 */
export function claimCardData(claim: Claim, viewer: Viewer, options: ClaimCardOptions): ClaimCardData {
  const { translator: t } = viewer;
  const words = wordsFor(t);
  const texts = claimTextsFor(claim, viewer);
  const { allowed } = options;
  // A choice's title is plain text (no markdown): an escape would show as a backslash.
  const reviewerChoices = (options.reviewers ?? []).map((choice) => ({ title: choice.name, value: reviewerChoiceValue(choice) }));
  const refreshUserIds = (options.refreshUserIds ?? []).slice(0, MAX_REFRESH_USER_IDS);
  const competingWith = options.competingWith ?? [];
  const situation = texts.situation;
  // One literal, every key in place: a card is built from it hundreds of times a second.
  const show: ClaimCardData['show'] = {
    startReview: offers('startReview', allowed),
    requestInformation: offers('requestInformation', allowed),
    approve: offers('approve', allowed),
    reject: offers('reject', allowed),
    decideDispute: offers('decideDispute', allowed),
    edit: offers('edit', allowed),
    submit: offers('submit', allowed),
    respond: offers('respond', allowed),
    resubmit: offers('resubmit', allowed),
    dispute: offers('dispute', allowed),
    comment: offers('comment', allowed),
    withdraw: offers('withdraw', allowed),
    // Nobody to hand it to, nothing to offer: the picker would be empty.
    reassign: offers('reassign', allowed) && reviewerChoices.length > 0,
    history: viewer.role === 'partner' || viewer.role === 'reviewer',
    refresh: refreshUserIds.length > 0,
    note: Boolean(options.note),
    competing: competingWith.length > 0,
    situation: situation !== '',
    deadlines: texts.hasDeadlines,
    comments: texts.comments.length > 0,
    readOnly: true,
    precheck: texts.precheckLines.length > 0,
    // Reviewers see who has the claim; partners deal with "the reviewer".
    assignee: viewer.role === 'reviewer' && texts.assignee !== '',
  };
  const fallback: ClaimCardData['fallback'] = {};
  for (const verb of CLAIM_CARD_VERBS) {
    if (!show[verb]) continue;
    fallback[verb] = texts.fallbacks[verb];
    show.readOnly = false;
  }
  return {
    title: texts.title,
    statusLine: texts.statusLine,
    statusColor: texts.statusColor,
    progress: texts.progress,
    note: options.note ?? '',
    competing: competingWith.length ? t.t('cards.claim.competing', { claims: t.formatList(competingWith) }) : '',
    situation,
    readOnly: words.readOnly,
    facts: texts.facts,
    deadlines: texts.deadlines,
    poe: poeWithLinks(texts, options.poeLinks),
    precheck: {
      heading: words.precheckHeading,
      lines: texts.precheckLines,
      // The partner may submit whatever the pre-check says; a reviewer learns what it suggests.
      note:
        viewer.role === 'reviewer'
          ? show.requestInformation && texts.informationPrefill !== ''
            ? words.reviewerHint
            : ''
          : show.submit || show.resubmit || show.respond
            ? words.maySubmit
            : '',
    },
    informationPrefill: texts.informationPrefill,
    comments: texts.comments,
    headings: words.headings,
    labels: texts.labels,
    informationReasons: words.informationReasons,
    rejectionReasons: words.rejectionReasons,
    reviewerChoices,
    assignee: texts.assignee,
    execute: texts.execute,
    fallback,
    historyCommand: texts.historyCommand,
    refreshUserIds,
    show,
  };
}

/** The files' lines with this reader's links to them (signed for the reader: never kept). */
function poeWithLinks(texts: ClaimTexts, links: ClaimCardOptions['poeLinks']): ClaimCardData['poe'] {
  if (!links || !texts.poeFiles.some((file) => links[file.id])) return texts.poe;
  return texts.poe.map((line, index) => {
    const file = texts.poeFiles[index]!;
    const url = links[file.id] ?? '';
    // A markdown link, not an Action.OpenUrl: clients that render Universal Action cards in
    // an applet (the Agents Playground) drop OpenUrl there; every client follows a link.
    return url ? { ...line, text: `${line.text} · [${line.open}](${url})`, url, preview: file.previewable } : line;
  });
}

/** Program, partner, customer and scope, as every claim-shaped card shows them. */
export function claimFacts(claim: Pick<Claim, 'details' | 'partnerName' | 'submittedAt' | 'updatedAt' | 'terms'>, viewer: Reader): Fact[] {
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
function situationText(claim: ClaimCardSource, t: Translator): string {
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
