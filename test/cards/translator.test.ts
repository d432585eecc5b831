import assert from 'node:assert/strict';
import { catalogueKeys, SUPPORTED_LOCALES, translatorFor } from '../../cards/i18n/i18n.js';

// Messages are split at their placeholders once and filled from the parts: the same text as
// filling the catalogue's message in place, for every message of every language.

const PLACEHOLDERS = /\{(\w+)\}/g;

describe('Translator messages', () => {
  it('fills a message from its catalogue text; a placeholder given no value stays as written', () => {
    const t = translatorFor('en');
    assert.equal(t.t('cards.claim.poeItem', { name: 'plan.pdf', size: '2 MB', at: 'today' }), 'plan.pdf (2 MB), uploaded today');
    assert.equal(t.t('cards.claim.poeItem', { name: 'deck.pptx', at: 'now' }), 'deck.pptx ({size}), uploaded now');
    // Values are placed as they are: "$&" and "{at}" in one are not read again.
    assert.equal(t.t('cards.claim.poeItem', { name: '$& {at}', size: 0, at: 'x' }), '$& {at} (0), uploaded x');
    assert.throws(() => t.t('cards.no.such.message'), /no message "cards\.no\.such\.message"/);
  });

  it('gives every message of every language as filling its text in place would', () => {
    let withPlaceholders = 0;
    for (const locale of SUPPORTED_LOCALES) {
      const t = translatorFor(locale);
      for (const key of catalogueKeys(locale)) {
        // Without values, a message is its catalogue text.
        const text = t.t(key);
        const names = [...text.matchAll(PLACEHOLDERS)].map((match) => match[1]!);
        if (names.length > 0) withPlaceholders += 1;
        // Every other placeholder given a value, twice in a row: the split is kept, never the values.
        for (const round of [1, 2]) {
          const params = Object.fromEntries(names.filter((_, index) => index % 2 === 0).map((name) => [name, `<${name} ${round}>`]));
          const expected = text.replace(PLACEHOLDERS, (whole, name: string) => params[name] ?? whole);
          assert.equal(t.t(key, params), expected, `${locale} ${key}`);
        }
      }
    }
    assert.ok(withPlaceholders > 100, `${withPlaceholders} messages with placeholders`);
  });
});
