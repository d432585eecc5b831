import type { Claim, HistoryEntry } from '../services/model.js';
import { commandText, commandData, type CommandData, instantFor, programText, summaryOf } from './format.js';
import { catalogueOf } from '../services/consentRules.js';
import { CardTemplate, type AdaptiveCard } from './template.js';
import type { Viewer } from './viewer.js';
import { literal } from './markdown.js';

// A claim's history as a timeline, newest first: what happened, who did it in which role, when,
// and each change with its old and new value ("Workloads: Teams → Teams, Exchange").

export interface HistoryCardData {
  title: string;
  summary: string;
  entries: { heading: string; byline: string; lines: string[] }[];
  labels: { claim: string };
  commands: { claim: CommandData };
}

const template = new CardTemplate<HistoryCardData>('history');
/** Keeps the card far below Teams' size limit even for a long-lived claim. */
const MAX_ENTRIES = 40;
const MAX_COMMENT = 500;

export function renderHistory(claim: Claim, history: HistoryEntry[], viewer: Viewer): AdaptiveCard {
  const { translator: t } = viewer;
  const newestFirst = [...history].sort((a, b) => b.seq - a.seq);
  const shown = newestFirst.slice(0, MAX_ENTRIES);
  const data: HistoryCardData = {
    title: t.t('cards.history.title', { claimId: claim.id }),
    summary: summaryOf(t, 'cards.history', shown.length, history.length),
    entries: shown.map((entry) => ({
      heading: actionLabel(viewer, entry.action),
      byline: t.t('cards.history.byline', {
        actor: actorText(entry, viewer),
        role: t.t(`cards.role.${entry.role}`),
        at: instantFor(viewer, entry.at),
      }),
      lines: entryLines(entry, viewer, claim),
    })),
    labels: { claim: t.t('cards.action.backToClaim') },
    commands: { claim: commandData(commandText(viewer, 'claim', claim.id)) },
  };
  return template.expand(data);
}

function actionLabel(viewer: Viewer, action: string): string {
  const key = `cards.history.action.${action}`;
  return viewer.translator.has(key) ? viewer.translator.t(key) : action;
}

/** A person by name; an entry recorded without one says only the role (never an AAD id). */
function actorText(entry: HistoryEntry, viewer: Viewer): string {
  const { translator: t } = viewer;
  if (entry.role === 'system') return t.t('cards.history.system');
  if (entry.actorName) return literal(entry.actorName);
  return t.t('cards.history.someone');
}

/** Fields the claim card shows as its status line: the status change line already says them. */
const STATUS_FIELDS = new Set(['status', 'consentPhase', 'rejection', 'informationRequest', 'disputeWindowClosed']);

function entryLines(entry: HistoryEntry, viewer: Viewer, claim: Claim): string[] {
  const { translator: t } = viewer;
  const lines: string[] = [];
  if (entry.fromStatus && entry.toStatus && entry.fromStatus !== entry.toStatus) {
    lines.push(t.t('cards.history.statusChange', { from: t.t(`claims.status.${entry.fromStatus}`), to: t.t(`claims.status.${entry.toStatus}`) }));
  }
  for (const change of entry.changes) {
    if (STATUS_FIELDS.has(change.field)) continue;
    if (change.field === 'precheck') {
      lines.push(precheckLine(viewer, change.to));
      continue;
    }
    lines.push(
      t.t('cards.history.fieldChange', {
        field: capitalised(fieldLabel(viewer, change.field)),
        from: valueText(viewer, change.field, change.from, claim),
        to: valueText(viewer, change.field, change.to, claim),
      }),
    );
  }
  if (entry.reasons?.length) {
    const reasons = entry.reasons.map((reason) => {
      if (t.has(`claims.informationReason.${reason}`)) return t.t(`claims.informationReason.${reason}`);
      if (t.has(`claims.rejectionReason.${reason}`)) return t.t(`claims.rejectionReason.${reason}`);
      return literal(reason);
    });
    lines.push(t.t('cards.history.reasons', { reasons: t.formatList(reasons) }));
  }
  const rejection = entry.changes.find((change) => change.field === 'rejection')?.to as { reason?: string } | undefined;
  if (rejection?.reason && !entry.reasons?.includes(rejection.reason) && t.has(`claims.rejectionReason.${rejection.reason}`)) {
    lines.push(t.t('cards.history.reasons', { reasons: t.t(`claims.rejectionReason.${rejection.reason}`) }));
  }
  if (entry.comment) {
    const comment = entry.comment.length > MAX_COMMENT ? `${entry.comment.slice(0, MAX_COMMENT)}…` : entry.comment;
    lines.push(t.t('cards.history.comment', { comment: literal(comment) }));
  }
  return lines;
}

/** "contract.pdf: 4 of 6 found", or why the file could not be read. */
function precheckLine(viewer: Viewer, value: unknown): string {
  const { translator: t } = viewer;
  const { file = '', found = 0, of = 0, unreadable } = (value ?? {}) as { file?: string; found?: number; of?: number; unreadable?: string };
  if (unreadable && t.has(`cards.precheck.reason.${unreadable}`)) {
    return t.t('cards.history.precheckedUnreadable', { file: literal(file), reason: t.t(`cards.precheck.reason.${unreadable}`) });
  }
  return t.t('cards.history.prechecked', { file: literal(file), found, of });
}

/** A field's value as people read it: lists joined, contacts as "name <email>", nothing as a dash. */
function valueText(viewer: Viewer, field: string, value: unknown, claim: Claim): string {
  const { translator: t } = viewer;
  if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) return '—';
  if (Array.isArray(value)) return t.formatList(value.map((item) => literal(String(item))));
  if (typeof value === 'object') {
    const contact = value as { name?: unknown; email?: unknown };
    if (typeof contact.name === 'string' || typeof contact.email === 'string') {
      return literal([contact.name, contact.email ? `<${String(contact.email)}>` : ''].filter(Boolean).join(' '));
    }
    // A reviewer recorded without a name (the directory had none): their id, never raw JSON.
    const person = value as { userId?: unknown };
    if (typeof person.userId === 'string') return literal(person.userId);
    return literal(JSON.stringify(value));
  }
  if (field === 'program') return programText(String(value), catalogueOf(claim));
  if (field === 'activity' && t.has(`claims.activity.${String(value)}`)) return t.t(`claims.activity.${String(value)}`);
  return literal(String(value));
}

function capitalised(text: string): string {
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}

function fieldLabel(viewer: Viewer, field: string): string {
  const { translator: t } = viewer;
  if (t.has(`fields.${field}`)) return t.t(`fields.${field}`);
  if (t.has(`cards.history.field.${field}`)) return t.t(`cards.history.field.${field}`);
  return field;
}
