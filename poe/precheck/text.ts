// Matching is case- and accent-insensitive ("Fábrica" finds "fabrica"), yet the evidence quotes
// the file's own words: the folded text keeps, per character, where it came from.

export interface FoldedText {
  /** Lower case, without diacritics. */
  folded: string;
  /** For each index of `folded`, the index in the original text. */
  origin: number[];
}

export function fold(text: string): FoldedText {
  let folded = '';
  const origin: number[] = [];
  let index = 0;
  for (const char of text) {
    const plain = char.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    for (let i = 0; i < plain.length; i += 1) origin.push(index);
    folded += plain;
    index += char.length;
  }
  return { folded, origin };
}

/** The same folding for a search term. */
export const foldTerm = (term: string): string => fold(term).folded;

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A term matched as whole words: not inside another word ("teams" is not in "steamship"). */
export function wordPattern(term: string, flags = 'gu'): RegExp {
  const body = escapeRegExp(term).replace(/\s+/g, '\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, flags);
}

const QUOTE_CONTEXT = 60;
const QUOTE_MAX = 300;

/** A readable excerpt around [start, end) of `text`: whitespace collapsed, cut at word edges. */
export function excerpt(text: string, start: number, end: number): string {
  // Within the match's own line: a label and its value, not the lines around them.
  let from = Math.max(text.lastIndexOf('\n', start - 1) + 1, start - QUOTE_CONTEXT);
  const lineEnd = text.indexOf('\n', end);
  let to = Math.min(lineEnd < 0 ? text.length : lineEnd, end + QUOTE_CONTEXT);
  // Do not start or end in the middle of a word.
  while (from > 0 && from < start && /\S/.test(text[from - 1]!)) from += 1;
  while (to < text.length && to > end && /\S/.test(text[to]!)) to -= 1;
  let quote = text.slice(from, to).replace(/\s+/g, ' ').trim();
  if (from > 0 && text[from - 1] !== '\n') quote = `…${quote}`;
  if (to < text.length && text[to] !== '\n') quote = `${quote}…`;
  if (quote.length > QUOTE_MAX) quote = `${quote.slice(0, QUOTE_MAX - 1)}…`;
  return quote || text.slice(start, end).slice(0, QUOTE_MAX);
}
