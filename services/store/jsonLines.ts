import type { z } from 'zod';

// JSON Lines (one JSON value per line), read the same way by every file that uses it: line
// numbers from 1, Windows line ends accepted, blank lines skipped; `#` comments only where a
// person edits the file (the roster).

export type JsonLine = { line: number; value: unknown; problem?: undefined } | { line: number; value?: undefined; problem: string };

export function* jsonLines(text: string, options: { comments?: boolean } = {}): Generator<JsonLine> {
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const content = raw.trim();
    if (!content || (options.comments && content.startsWith('#'))) continue;
    try {
      yield { line: index + 1, value: JSON.parse(content) as unknown };
    } catch (error) {
      yield { line: index + 1, problem: `not valid JSON (${(error as Error).message})` };
    }
  }
}

/**
 * An append-only log's entries, each checked by `schema`. A line that fails (the torn last line of
 * an append a crash interrupted, or damage) is skipped and reported: one bad line must not make
 * the whole log unreadable.
 */
export function readLog<T>(text: string, schema: z.ZodType<T>, onSkipped?: (line: number, problem: string) => void): T[] {
  const entries: T[] = [];
  for (const { line, value, problem } of jsonLines(text)) {
    const parsed = problem === undefined ? schema.safeParse(value) : undefined;
    if (parsed?.success) entries.push(parsed.data);
    else onSkipped?.(line, problem ?? parsed?.error.issues[0]?.message ?? 'not an entry');
  }
  return entries;
}
