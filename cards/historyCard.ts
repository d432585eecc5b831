import type { Claim, HistoryEntry } from '../services/model.js';
import { commandText, commandData, type CommandData, instantFor, withoutNulls } from './format.js';
import { CardTemplate, type AdaptiveCard } from './template.js';
import type { Viewer } from './viewer.js';
import { literal } from './markdown.js';

// A claim's history as a timeline, newest first: what happened, who did it in which role, when,
// and which fields changed. Field values are not repeated here; the claim card shows them.

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
    summary: t.t('cards.history.summary', { shown: shown.length, total: history.length }),
    entries: shown.map((entry) => ({
      heading: actionLabel(viewer, entry.action),
      byline: t.t('cards.history.byline', {
        actor: entry.role === 'system' ? t.t('cards.history.system') : literal(entry.actorId),
        role: t.t(`cards.role.${entry.role}`),
        at: instantFor(viewer, entry.at),
      }),
      lines: entryLines(entry, viewer),
    })),
    labels: { claim: t.t('cards.action.backToClaim') },
    commands: { claim: commandData(commandText(viewer, 'claim', claim.id)) },
  };
  return withoutNulls(template.expand(data));
}

function actionLabel(viewer: Viewer, action: string): string {
  const key = `cards.history.action.${action}`;
  return viewer.translator.has(key) ? viewer.translator.t(key) : action;
}

function entryLines(entry: HistoryEntry, viewer: Viewer): string[] {
  const { translator: t } = viewer;
  const lines: string[] = [];
  if (entry.fromStatus && entry.toStatus && entry.fromStatus !== entry.toStatus) {
    lines.push(t.t('cards.history.statusChange', { from: t.t(`claims.status.${entry.fromStatus}`), to: t.t(`claims.status.${entry.toStatus}`) }));
  }
  const fields = [...new Set(entry.changes.map((change) => change.field).filter((field) => field !== 'status'))];
  if (fields.length) {
    lines.push(t.t('cards.history.changed', { fields: t.formatList(fields.map((field) => fieldLabel(viewer, field))) }));
  }
  if (entry.reasons?.length) {
    const reasons = entry.reasons.map((reason) =>
      t.has(`claims.informationReason.${reason}`) ? t.t(`claims.informationReason.${reason}`) : literal(reason),
    );
    lines.push(t.t('cards.history.reasons', { reasons: t.formatList(reasons) }));
  }
  if (entry.comment) {
    const comment = entry.comment.length > MAX_COMMENT ? `${entry.comment.slice(0, MAX_COMMENT)}…` : entry.comment;
    lines.push(t.t('cards.history.comment', { comment: literal(comment) }));
  }
  return lines;
}

function fieldLabel(viewer: Viewer, field: string): string {
  const { translator: t } = viewer;
  if (t.has(`fields.${field}`)) return t.t(`fields.${field}`);
  if (t.has(`cards.history.field.${field}`)) return t.t(`cards.history.field.${field}`);
  return field;
}
