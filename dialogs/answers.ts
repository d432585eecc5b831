import { translatorFor, type Translator } from '../cards/i18n/i18n.js';
import type { PoeFileError } from '../poe/poeFiles.js';
import type { Policy } from '../services/policy.js';
import { literal } from '../cards/markdown.js';
import { fold, uniquePartOf } from './textMatch.js';

// Reading typed answers: short words ("done", "sí", "ja") in the reader's language or English,
// and option labels matched without case or accents, or by a part only one label has.

export type Word = 'done' | 'yes' | 'no' | 'submit' | 'draft' | 'resubmit' | 'dispute';

const english = translatorFor('en');

/** Whether `text` is one of the words for `word` (dialogs.words.<word>, `|`-separated). */
export function isWord(t: Translator, text: string, word: Word): boolean {
  const typed = fold(text).replace(/[.!]+$/, '');
  if (!typed) return false;
  const accepted = `${t.t(`dialogs.words.${word}`)}|${english.t(`dialogs.words.${word}`)}`.split('|').map(fold);
  return accepted.includes(typed);
}

/**
 * Picks an option by its code, its label, its number in the list as shown (1-based), or words
 * only its label has ("Microsoft 365" for "OSU-Microsoft 365 (Online Services Usage)").
 */
export function pickOption<T extends string>(text: string, options: readonly T[], label: (option: T) => string): T | undefined {
  const typed = fold(text);
  if (!typed) return undefined;
  const number = Number(typed);
  if (Number.isInteger(number) && number >= 1 && number <= options.length) return options[number - 1];
  return options.find((option) => fold(option) === typed || fold(label(option)) === typed) ?? uniquePartOf(typed, options, label);
}

export function formatSize(t: Translator, bytes: number): string {
  const megabytes = bytes >= 1024 * 1024;
  return new Intl.NumberFormat(t.locale, {
    style: 'unit',
    unit: megabytes ? 'megabyte' : 'kilobyte',
    maximumFractionDigits: 1,
  }).format(megabytes ? bytes / (1024 * 1024) : Math.max(0.1, bytes / 1024));
}

/** The accepted types, as users know them: "PDF, DOCX, ...". */
export function acceptedTypes(t: Translator, rules: Policy['poe']): string {
  return t.formatList([...new Set(rules.extensions.map((extension) => (extension === 'jpeg' ? 'jpg' : extension)))].map((e) => e.toUpperCase()));
}

export function describePoeProblem(t: Translator, error: PoeFileError, rules: Policy['poe']): string {
  return t.t(`dialogs.poe.problem.${error.problem}`, {
    name: literal(error.fileName),
    max: formatSize(t, rules.maxBytes),
    types: acceptedTypes(t, rules),
  });
}

export function formatInstant(t: Translator, iso: string | undefined, timeZone: string): string {
  return iso ? t.formatInstant(iso, timeZone) : t.t('dialogs.common.none');
}
