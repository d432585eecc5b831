import assert from 'node:assert/strict';
import { durationText, sizeText } from '../../cards/format.js';
import { formatSize } from '../../dialogs/answers.js';
import { translatorFor } from '../../cards/i18n/i18n.js';
import type { Viewer } from '../../cards/viewer.js';

// Issue 14, item 9: no "Waiting for 0 hours", and one size for a file on every card and reply.

const viewerIn = (language: 'en' | 'es'): Viewer => ({
  userId: 'u',
  role: 'reviewer',
  translator: translatorFor(language),
  timeZone: 'UTC',
  now: new Date('2030-01-01T00:00:00Z'),
});

describe('cards: durations and sizes people read (issue 14, 9)', () => {
  it('counts minutes under an hour and drops "0 hours" from whole days (en, es)', () => {
    assert.equal(durationText(viewerIn('en'), 20 * 60_000), '20 minutes');
    assert.equal(durationText(viewerIn('en'), 10_000), '1 minute');
    assert.equal(durationText(viewerIn('en'), 2 * 86_400_000), '2 days');
    assert.equal(durationText(viewerIn('en'), 2 * 86_400_000 + 3 * 3_600_000), '2 days 3 hours');
    assert.equal(durationText(viewerIn('es'), 20 * 60_000), '20 minutos');
    assert.equal(durationText(viewerIn('es'), 86_400_000), '1 día');
  });

  it('a file has the same size on the claim card and in the dialog (en, es)', () => {
    for (const language of ['en', 'es'] as const) {
      for (const bytes of [88, 600, 1024, 5_000_000]) {
        assert.equal(sizeText(viewerIn(language), bytes), formatSize(translatorFor(language), bytes), `${bytes} bytes in ${language}`);
      }
    }
  });
});
