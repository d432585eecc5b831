import assert from 'node:assert/strict';
import { renderAwayCard } from '../../cards/awayCard.js';
import { translatorFor } from '../../cards/i18n/i18n.js';
import { renderAlert, type Viewer } from '../../cards/index.js';
import { cardStrings } from '../e2e/support/e2eApp.js';
import { FIXTURE_NOW, makeAlert, makeClaimDocument } from '../support/claimFixtures.js';

// Found in the playground: an absence whose last day is Dec 2 ends at midnight, and the away card
// and the alert copies said "away until Dec 3, 2026, 12:00 AM". They name the last day instead,
// as the form asked for it, in the reader's time zone.

const en = translatorFor('en');
const viewer = (timeZone: string): Viewer => ({ userId: 'reviewer-1', role: 'reviewer', translator: en, timeZone, now: new Date(FIXTURE_NOW) });
const rob = { userId: 'reviewer-2', tenantId: '22222222-2222-4222-8222-222222222222', name: 'Rob Reviewer' };

describe('the away card and the alert copies name the last day away', () => {
  it('an absence ending at midnight (the end of Dec 2) reads "until Dec 2, 2026", in the reviewer\u2019s zone too', () => {
    for (const [timeZone, until] of [
      ['UTC', '2026-12-03T00:00:00.000Z'],
      ['Europe/Madrid', '2026-12-02T23:00:00.000Z'],
    ] as const) {
      const away = { reviewer: { ...rob, userId: 'reviewer-1', name: 'Rita' }, delegate: rob, until, setAt: FIXTURE_NOW };
      const texts = cardStrings(renderAwayCard(away, [rob], viewer(timeZone), { today: '2026-12-01' }));
      assert.ok(texts.includes(en.t('cards.away.away', { until: 'Dec 2, 2026', delegate: 'Rob Reviewer' })), `${timeZone}: ${texts.join(' | ')}`);

      const claim = makeClaimDocument({}).claim;
      const alert = makeAlert(claim, {
        kind: 'claim-assigned',
        to: 'reviewer',
        data: { claimId: claim.id, partnerName: claim.partnerName, assignedBy: 'Rob Reviewer' },
      });
      const copy = cardStrings(
        renderAlert(alert, viewer(timeZone), undefined, { copy: 'informed', reviewerName: 'Rita', delegateName: 'Rob Reviewer', until }),
      );
      assert.ok(
        copy.some((text) => text.includes(en.t('cards.alert.delegation.informed', { until: 'Dec 2, 2026', delegate: 'Rob Reviewer' }))),
        `${timeZone}: ${copy.join(' | ')}`,
      );
    }
  });
});
