import assert from 'node:assert/strict';
import { parseCommand } from '../../dialogs/commands.js';
import { SUPPORTED_LOCALES, translatorFor } from '../../cards/i18n/i18n.js';

// The short answers a dialog takes at its choice steps (done, yes, no, submit, draft) must never
// read as a command, or the router would take them away from the dialog.

describe('dialog answer words', () => {
  for (const locale of SUPPORTED_LOCALES) {
    it(`${locale}: no answer word is a command`, () => {
      const t = translatorFor(locale);
      for (const word of ['done', 'yes', 'no', 'submit', 'draft']) {
        for (const answer of t.t(`dialogs.words.${word}`).split('|')) {
          assert.equal(parseCommand(answer)?.verb, undefined, `${locale} "${answer}" (${word}) parses as a command`);
        }
      }
    });
  }
});
