import type { BulkAction, BulkOutcome } from '../services/claimService.js';
import { isDomainError } from '../services/errors.js';
import { describeError } from './i18n/errorMessages.js';
import { commandData, commandText, statusColor, statusText, type CommandData } from './format.js';
import { CardTemplate, type AdaptiveCard } from './template.js';
import type { Viewer } from './viewer.js';

// The answer to a bulk decision from the queue: one row per selected claim, saying what became of
// it (its new status, or why it was refused), and the way back to the queue.

export interface BulkResultData {
  title: string;
  summary: string;
  rows: { claimId: string; outcome: string; color: string; detail: string }[];
  labels: { queue: string };
  commands: { queue: CommandData };
}

const template = new CardTemplate<BulkResultData>('bulkResult');

export function renderBulkResult(action: BulkAction, outcomes: readonly BulkOutcome[], viewer: Viewer): AdaptiveCard {
  const { translator: t } = viewer;
  const done = outcomes.filter((outcome) => outcome.outcome === 'done').length;
  const data: BulkResultData = {
    title: t.t('cards.bulk.title', { action: t.t(`cards.queue.bulk.${action}`) }),
    summary: t.t('cards.bulk.summary', { done, total: outcomes.length }),
    rows: outcomes.map((outcome) =>
      outcome.outcome === 'done'
        ? {
            claimId: outcome.claimId,
            outcome: statusText(viewer, outcome.claim.status, outcome.claim.consentPhase),
            color: statusColor(outcome.claim.status),
            detail: '',
          }
        : {
            claimId: outcome.claimId,
            outcome: t.t('cards.bulk.refused'),
            color: 'Attention',
            // The general stale-version words promise the current version, which this card does not show.
            detail: isDomainError(outcome.error, 'stale-version') ? t.t('cards.bulk.stale') : describeError(t, outcome.error),
          },
    ),
    labels: { queue: t.t('cards.bulk.backToQueue') },
    commands: { queue: commandData(commandText(viewer, 'queue')) },
  };
  return template.expand(data);
}
