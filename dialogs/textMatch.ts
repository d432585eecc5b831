// Matching what people type against what we offer: without case, accents or extra spaces, by
// a unique part of a long name ("Microsoft 365"), and close misspellings ("exchnage") offered
// back as a suggestion rather than taken.

/** Folded for matching: lower case, no accents, single spaces. */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** The option whose label contains the typed words as whole words, when only one does. */
export function uniquePartOf<T>(typed: string, options: readonly T[], label: (option: T) => string): T | undefined {
  const words = fold(typed)
    .replace(/[^\p{L}\p{N} ]+/gu, ' ')
    .trim();
  if (words.length < 3) return undefined;
  const pattern = new RegExp(`(^|[^\\p{L}\\p{N}])${words.replace(/ /g, '[^\\p{L}\\p{N}]+')}($|[^\\p{L}\\p{N}])`, 'u');
  const found = options.filter((option) => pattern.test(fold(label(option))));
  return found.length === 1 ? found[0] : undefined;
}

/** The one candidate a typo away from what was typed (one edit in four letters), if any. */
export function closest(typed: string, candidates: readonly string[]): string | undefined {
  const target = fold(typed);
  if (target.length < 3) return undefined;
  const allowed = Math.min(3, Math.max(1, Math.floor(target.length / 4)));
  let best: { candidate: string; distance: number } | undefined;
  let tie = false;
  for (const candidate of candidates) {
    const distance = editDistance(target, fold(candidate), allowed);
    if (distance > allowed || distance === 0) continue;
    if (!best || distance < best.distance) {
      best = { candidate, distance };
      tie = false;
    } else if (distance === best.distance && fold(candidate) !== fold(best.candidate)) tie = true;
  }
  return best && !tie ? best.candidate : undefined;
}

/** Optimal string alignment distance (a swap of neighbours counts once), cut off above `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous2: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, previous2[j - 2]! + 1);
      current.push(value);
    }
    previous2 = previous;
    previous = current;
  }
  return previous[b.length]!;
}
