import { z } from 'zod';

// A document that is a list (a claim's card copies) is mostly the list stored before it, with an
// entry added or dropped. The entries it shares with the stored list, the same frozen objects,
// were checked when that list was stored, so only the others go through the entry schema again.
// Entries appended to a stored list are checked alone, as a list of their own.

/**
 * Entries to append to a list document that keeps its last `keep`, as `schema` (the list's) gives
 * them back. Throws when `keep` is below 1, or when the collection cannot take appends: its schema
 * is no list, or one with checks of its own (its length, say) that the entries alone cannot be
 * held to.
 */
export function checkAppendedEntries<T>(definition: { name: string; schema: z.ZodType<T>; tags?: unknown }, entries: unknown[], keep: number): unknown[] {
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`a list keeps at least one entry, not ${keep}`);
  const { schema } = definition;
  if (!(schema instanceof z.ZodArray) || schema._zod.def.checks?.length || definition.tags !== undefined) {
    throw new Error(`${definition.name} takes no appends: only a collection without tags whose schema is a list without checks does`);
  }
  return schema.parse(entries) as unknown[];
}

/** `value` as `schema` gives it back, checking only the list entries it does not share with `stored`. */
export function checkSharingEntries<T>(schema: z.ZodType<T>, value: T, stored: T | undefined): T {
  const whole = (): T => schema.parse(value);
  // A list with checks of its own (its length, say) is checked whole.
  if (!(schema instanceof z.ZodArray) || schema._zod.def.checks?.length || !Array.isArray(value) || !Array.isArray(stored)) return whole();
  const checked = new Set<unknown>(stored.filter((entry) => Object.isFrozen(entry)));
  const fresh = value.filter((entry) => !checked.has(entry));
  if (fresh.length === value.length) return whole();
  const parsed = schema.safeParse(fresh);
  // The whole list again, for the error to name the entry's place in it.
  if (!parsed.success) return whole();
  let next = 0;
  return value.map((entry) => (checked.has(entry) ? entry : (parsed.data as unknown[])[next++])) as T;
}
