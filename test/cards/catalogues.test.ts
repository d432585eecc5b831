import assert from 'node:assert/strict';
import { catalogueKeys, SUPPORTED_LOCALES, Translator } from '../../cards/i18n/i18n.js';

// One catalogue per locale: every key of any catalogue exists in all five, with the same
// placeholders, so no reader ever falls back to English or sees a raw "{name}".

const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!).sort();

describe('message catalogues', () => {
  const all = new Set(SUPPORTED_LOCALES.flatMap((locale) => catalogueKeys(locale)));

  for (const locale of SUPPORTED_LOCALES) {
    it(`${locale} has every key of every catalogue`, () => {
      const keys = new Set(catalogueKeys(locale));
      const missing = [...all].filter((key) => !keys.has(key));
      assert.deepEqual(missing, [], `${locale} lacks ${missing.join(', ')}`);
    });
  }

  it('the dialogs namespace is present in every locale', () => {
    for (const locale of SUPPORTED_LOCALES) {
      assert.ok(
        catalogueKeys(locale).some((key) => key.startsWith('dialogs.')),
        locale,
      );
    }
  });

  it('every translation uses the same placeholders as English', () => {
    const english = new Translator('en');
    const problems: string[] = [];
    for (const locale of SUPPORTED_LOCALES.filter((candidate) => candidate !== 'en')) {
      const translator = new Translator(locale);
      for (const key of catalogueKeys(locale)) {
        if (!english.has(key)) continue;
        const expected = placeholders(english.t(key)).join(',');
        const actual = placeholders(translator.t(key)).join(',');
        if (expected !== actual) problems.push(`${locale} ${key}: {${actual}} instead of {${expected}}`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
