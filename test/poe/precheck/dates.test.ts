import assert from 'node:assert/strict';
import { addMonths, findDates, looksEnglish } from '../../../poe/precheck/dates.js';
import { foldTerm } from '../../../poe/precheck/text.js';

const isoDays = (text: string, english?: boolean) => findDates(foldTerm(text), english).map((date) => date.iso);

describe('PoE pre-check: dates in the five languages', () => {
  const cases: [string, string][] = [
    ['Signed 2026-03-12', '2026-03-12'],
    ['2026/03/12', '2026-03-12'],
    ['Data: 12.03.2026', '2026-03-12'],
    ['Fecha: 12/03/2026', '2026-03-12'],
    ['12 de marzo de 2026', '2026-03-12'],
    ['12 de marzo del 2026', '2026-03-12'],
    ['12 de março de 2026', '2026-03-12'],
    ['1º de março de 2026', '2026-03-01'],
    ['12 marzo 2026', '2026-03-12'],
    ['den 12 mars 2026', '2026-03-12'],
    ['12 augusti 2025', '2025-08-12'],
    ['March 12, 2026', '2026-03-12'],
    ['March 12th 2026', '2026-03-12'],
    ['12 March 2026', '2026-03-12'],
    ['12th of March, 2026', '2026-03-12'],
    ['Mar. 12, 2026', '2026-03-12'],
    ['3 dicembre 2025', '2025-12-03'],
    ['5 de dezembro de 2025', '2025-12-05'],
    ['7 okt 2025', '2025-10-07'],
    ['13/03/2026 (day first, whatever the language)', '2026-03-13'],
    ['03/13/2026 (month first: 13 cannot be a month)', '2026-03-13'],
  ];
  for (const [text, iso] of cases) {
    it(`reads "${text}" as ${iso}`, () => assert.deepEqual(isoDays(text), [iso]));
  }

  it('reads an ambiguous slashed date day-first, or month-first in English text', () => {
    assert.deepEqual(isoDays('Fecha de la firma: 03/04/2026'), ['2026-04-03']);
    assert.deepEqual(isoDays('The work was accepted on 03/04/2026 by the customer'), ['2026-03-04']);
    assert.deepEqual(isoDays('03/04/2026', true), ['2026-03-04']);
    assert.deepEqual(isoDays('03.04.2026', true), ['2026-04-03'], 'dots are day-first even in English');
  });

  it('ignores what is not a date', () => {
    assert.deepEqual(isoDays('31/02/2026, 2026-13-01, 45.12.2026, 12 de marzo, March 2026, PartnerID 1234567, 1.5.2026.7, version 2.03.2026b'), []);
    assert.deepEqual(isoDays('12 de marzo de 1850'), [], 'out of any claim range');
  });

  it('finds several dates in order', () => {
    assert.deepEqual(isoDays('Started 2025-11-02, finished 14 de enero de 2026 and signed 20.01.2026'), ['2025-11-02', '2026-01-14', '2026-01-20']);
  });

  it('tells English text from the other four languages', () => {
    assert.equal(looksEnglish(foldTerm('The project was delivered and the customer has signed it')), true);
    assert.equal(looksEnglish(foldTerm('El proyecto fue entregado y el cliente lo firmó para la empresa')), false);
    assert.equal(looksEnglish(foldTerm('Projektet levererades och kunden har godkänt det')), false);
  });

  it('moves a day by months, clamped to the month end', () => {
    assert.equal(addMonths('2026-04-01', -12), '2025-04-01');
    assert.equal(addMonths('2026-03-31', -1), '2026-02-28');
    assert.equal(addMonths('2024-02-29', 12), '2025-02-28');
  });
});
