import type { Claim, Status } from '../services/model.js';
import { CURRENT_DEADLINE, instantFor } from './format.js';
import type { Reader } from './viewer.js';

// Where a claim is on its way, as one line: "✓ Editing → ✓ Submitted → ▶ Under review (until
// 4 Dec 2026) → Approved → Consent period open → Sent for incentive assessment". The path bends
// where the claim did (information requested, rejected, disputed). Plain text: no markdown, so
// nothing on the card can be mistaken for formatting a person typed.

/** What the line is drawn from. */
type ProgressSource = Pick<Claim, 'status' | 'consentPhase' | 'deadlines'>;

type Step = { kind: 'status'; status: Status } | { kind: 'phase'; phase: 'window-open' | 'associated' };

const status = (value: Status): Step => ({ kind: 'status', status: value });
const AFTER_APPROVAL: Step[] = [status('Approved'), { kind: 'phase', phase: 'window-open' }, { kind: 'phase', phase: 'associated' }];

/** The path the claim is on, and the index of the step it is at. */
function pathOf(claim: ProgressSource): { steps: Step[]; current: number } {
  const start = [status('Draft'), status('Submitted'), status('InReview')];
  switch (claim.status) {
    case 'Draft':
      return { steps: [...start, ...AFTER_APPROVAL], current: 0 };
    case 'Submitted':
      return { steps: [...start, ...AFTER_APPROVAL], current: 1 };
    case 'InReview':
      return { steps: [...start, ...AFTER_APPROVAL], current: 2 };
    case 'PartnerActionRequired':
      return { steps: [...start, status('PartnerActionRequired'), ...AFTER_APPROVAL], current: 3 };
    case 'Approved': {
      const current = claim.consentPhase === 'associated' ? 5 : claim.consentPhase === 'window-open' ? 4 : 3;
      return { steps: [...start, ...AFTER_APPROVAL], current };
    }
    case 'Rejected':
      return { steps: [...start, status('Rejected')], current: 3 };
    case 'Disputed':
      return { steps: [...start, status('Rejected'), status('Disputed')], current: 4 };
  }
}

export function progressLine(claim: ProgressSource, viewer: Reader): string {
  const { translator: t } = viewer;
  const { steps, current } = pathOf(claim);
  const labels = steps.map((step, index) => {
    const label = capitalized(step.kind === 'status' ? t.t(`claims.status.${step.status}`) : t.t(`claims.consentPhase.${step.phase}`), t.locale);
    if (index < current) return `✓ ${label}`;
    if (index > current) return label;
    const deadlineName = CURRENT_DEADLINE[claim.status];
    const due = deadlineName ? claim.deadlines[deadlineName] : undefined;
    const final = index === steps.length - 1 && claim.status !== 'Draft';
    const shown = due && !final ? t.t('cards.claim.progressUntil', { step: label, deadline: instantFor(viewer, due) }) : label;
    return `▶ ${shown}`;
  });
  return t.t('cards.claim.progress', { steps: labels.join(' → ') });
}

function capitalized(text: string, locale: string): string {
  return text.charAt(0).toLocaleUpperCase(locale) + text.slice(1);
}
