// Dates as the five languages write them. Text is matched folded (lower case, no accents: see
// text.ts), so "março" is "marco" here.
//
//   2026-03-12, 2026/03/12                ISO, always year-month-day
//   12.03.2026                            day-first (it, sv, de habit)
//   12/03/2026, 12-03-2026                day-first, unless the day cannot be (03/13/2026 is
//                                         month-first) or the text is English, where an ambiguous
//                                         date is read month-first (en-US, Partner Center's locale)
//   12 de marzo de 2026, 12 de março de 2026, 1º de março de 2026, 12 marzo 2026, 12 mars 2026,
//   den 12 mars 2026, 12 March 2026, 12th March 2026, March 12, 2026, Mar 12 2026
// A month and a year without a day ("March 2026") is not a date here: it cannot be judged to the day.

export interface FoundDate {
  /** YYYY-MM-DD. */
  iso: string;
  /** Where in the (folded) text it was written. */
  index: number;
  length: number;
}

const MONTHS: ReadonlyArray<readonly [number, readonly string[]]> = [
  [1, ['january', 'jan', 'enero', 'ene', 'janeiro', 'gennaio', 'gen', 'januari']],
  [2, ['february', 'feb', 'febrero', 'fevereiro', 'fev', 'febbraio', 'februari']],
  [3, ['march', 'mar', 'marzo', 'marco', 'mars']],
  [4, ['april', 'apr', 'abril', 'abr', 'aprile']],
  [5, ['may', 'mayo', 'maio', 'maggio', 'mag', 'maj']],
  [6, ['june', 'jun', 'junio', 'junho', 'giugno', 'giu', 'juni']],
  [7, ['july', 'jul', 'julio', 'julho', 'luglio', 'lug', 'juli']],
  [8, ['august', 'aug', 'agosto', 'ago', 'augusti']],
  [9, ['september', 'sep', 'sept', 'septiembre', 'setiembre', 'setembro', 'set', 'settembre']],
  [10, ['october', 'oct', 'octubre', 'outubro', 'out', 'ottobre', 'ott', 'oktober', 'okt']],
  [11, ['november', 'nov', 'noviembre', 'novembro', 'novembre']],
  [12, ['december', 'dec', 'diciembre', 'dic', 'dezembro', 'dez', 'dicembre']],
];

const MONTH_OF = new Map<string, number>(MONTHS.flatMap(([month, names]) => names.map((name) => [name, month] as const)));
// Longest first, so "marzo" is not read as "mar" + "zo".
const MONTH = [...MONTH_OF.keys()].sort((a, b) => b.length - a.length).join('|');

// Not inside a longer number or a version ("1.5.2026.7", "2.03.2026b").
const ISO = /(?<![\p{L}\d./-])(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?!\d|[./-]\d|\p{L})/gu;
const NUMERIC = /(?<![\p{L}\d./-])(\d{1,2})([./-])(\d{1,2})\2(\d{4})(?!\d|[./-]\d|\p{L})/gu;
const DAY_FIRST = new RegExp(
  `(?<![\\p{L}\\p{N}])(\\d{1,2})(?:st|nd|rd|th|º|°|o|a)?\\.?\\s+(?:de\\s+|of\\s+)?(${MONTH})\\.?,?\\s+(?:de\\s+|del\\s+)?(\\d{4})(?!\\d)`,
  'gu',
);
const MONTH_FIRST = new RegExp(`(?<![\\p{L}\\p{N}])(${MONTH})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})(?!\\d)`, 'gu');

const ENGLISH_WORDS = /(?<![\p{L}])(the|and|was|were|with|this|that|we|our|has|have|been|by|of|is|are)(?![\p{L}])/gu;
const OTHER_WORDS = /(?<![\p{L}])(de|la|el|los|las|que|para|con|por|do|da|os|com|em|il|di|che|per|della|och|att|som|med|det|av|pa|har|ar)(?![\p{L}])/gu;

/** Whether a (folded) text is mostly English: decides how an ambiguous 03/04/2026 is read. */
export function looksEnglish(folded: string): boolean {
  return (folded.match(ENGLISH_WORDS)?.length ?? 0) > (folded.match(OTHER_WORDS)?.length ?? 0);
}

function isoDay(year: number, month: number, day: number): string | undefined {
  if (year < 1990 || year > 2100 || month < 1 || month > 12 || day < 1) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCDate() !== day) return undefined;
  return date.toISOString().slice(0, 10);
}

/** Every date written in a folded text, in order of appearance. */
export function findDates(folded: string, english = looksEnglish(folded)): FoundDate[] {
  const found: FoundDate[] = [];
  const add = (match: RegExpMatchArray, iso: string | undefined) => {
    if (iso) found.push({ iso, index: match.index!, length: match[0].length });
  };
  for (const match of folded.matchAll(ISO)) add(match, isoDay(Number(match[1]), Number(match[2]), Number(match[3])));
  for (const match of folded.matchAll(NUMERIC)) {
    const first = Number(match[1]);
    const second = Number(match[3]);
    const year = Number(match[4]);
    // Dots are always day-first; slashes and dashes month-first only when the day cannot be first
    // or the text is English and both readings are possible.
    const monthFirst = match[2] !== '.' && (first <= 12 && second > 12 ? true : second <= 12 && first > 12 ? false : english);
    add(match, monthFirst ? isoDay(year, first, second) : isoDay(year, second, first));
  }
  for (const match of folded.matchAll(DAY_FIRST)) add(match, isoDay(Number(match[3]), MONTH_OF.get(match[2]!)!, Number(match[1])));
  for (const match of folded.matchAll(MONTH_FIRST)) add(match, isoDay(Number(match[3]), MONTH_OF.get(match[1]!)!, Number(match[2])));
  return found.sort((a, b) => a.index - b.index);
}

/** `day` (YYYY-MM-DD) moved by whole months, clamped to the month's end (2026-03-31 − 1 = 2026-02-28). */
export function addMonths(day: string, months: number): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(year, month - 1 + months, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date, last));
  return target.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}
