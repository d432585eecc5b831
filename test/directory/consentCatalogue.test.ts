import assert from 'node:assert/strict';
import { catalogueKeys, SUPPORTED_LOCALES, translatorFor } from '../../cards/i18n/i18n.js';

// The consent notice is shown in five languages: each must have every key, with the same
// placeholders as English, so no reader gets an English sentence or a raw `{name}`.

describe('consent notice strings', () => {
  const english = catalogueKeys('en').filter((key) => key.startsWith('consent.'));
  const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

  it('exist in every locale with the same placeholders, and are translated', () => {
    assert.ok(english.length > 20);
    for (const locale of SUPPORTED_LOCALES) {
      assert.deepEqual(
        catalogueKeys(locale).filter((key) => key.startsWith('consent.')),
        english,
        locale,
      );
      if (locale === 'en') continue;
      const translated = english.filter((key) => translatorFor(locale).t(key) !== translatorFor('en').t(key));
      assert.ok(translated.length >= english.length - 1, `${locale} translates the notice`);
      for (const key of english) {
        assert.deepEqual(placeholders(translatorFor(locale).t(key)), placeholders(translatorFor('en').t(key)), `${locale} ${key}`);
      }
    }
  });
});
