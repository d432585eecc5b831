import type { Delegation } from '../services/reviewers/delegations.js';
import type { ReviewerChoice } from './claimCard.js';
import { reviewerChoiceValue } from './claimCard.js';
import { lastDayFor, type Fact } from './format.js';
import { literal } from './markdown.js';
import { CardTemplate, type AdaptiveCard } from './template.js';
import type { Viewer } from './viewer.js';

// A reviewer's out-of-office card: whether they are away and who stands in, a form to set an
// absence (last day and delegate) and, while away, a button to come back.

export interface AwayCardData {
  title: string;
  state: string;
  explain: string;
  note: string;
  today: string;
  reviewerChoices: Fact[];
  labels: Record<'until' | 'untilRequired' | 'delegate' | 'delegateRequired' | 'set' | 'clear' | 'noReviewers', string>;
  show: { note: boolean; form: boolean; clear: boolean; noReviewers: boolean };
}

const template = new CardTemplate<AwayCardData>('away');

export function renderAwayCard(
  delegation: Delegation | undefined,
  reviewers: readonly ReviewerChoice[],
  viewer: Viewer,
  options: { today: string; note?: string },
): AdaptiveCard {
  const { translator: t } = viewer;
  const label = (key: keyof AwayCardData['labels']) => t.t(`cards.away.${key}`);
  const data: AwayCardData = {
    title: t.t('cards.away.title'),
    state: delegation
      ? t.t('cards.away.away', { until: lastDayFor(viewer, delegation.until), delegate: literal(delegation.delegate.name ?? delegation.delegate.userId) })
      : t.t('cards.away.present'),
    explain: t.t('cards.away.explain'),
    note: options.note ?? '',
    today: options.today,
    // A choice's title is plain text (no markdown): an escape would show as a backslash.
    reviewerChoices: reviewers.map((choice) => ({ title: choice.name, value: reviewerChoiceValue(choice) })),
    labels: {
      until: label('until'),
      untilRequired: label('untilRequired'),
      delegate: label('delegate'),
      delegateRequired: label('delegateRequired'),
      set: label('set'),
      clear: label('clear'),
      noReviewers: label('noReviewers'),
    },
    show: { note: Boolean(options.note), form: reviewers.length > 0, clear: delegation !== undefined, noReviewers: reviewers.length === 0 },
  };
  return template.expand(data);
}
