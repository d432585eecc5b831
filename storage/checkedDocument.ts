import { z } from 'zod';
import { AlertSchema, ClaimSchema, type Claim, type ClaimDocument } from '../services/model.js';

// Both engines check a claim's document against the schema before storing it: a document the
// schema refuses would break every later read. A change leaves most of a document as it was: the
// entries of its lists (history, PoE files, comments, alerts) and the claim's fields it did not
// replace (details, terms, ...). What it shares with the document it replaced, the same frozen
// objects at the same places, was checked when that was stored, so only the rest goes through the
// schema again.

export type Checked = { document: ClaimDocument } | { problem: { at: string; message: string } };

/** `document` as the schema gives it back, or the first problem found. */
export function checkForStorage(document: ClaimDocument, previous?: ClaimDocument): Checked {
  const { claim, outbox } = document;
  const history = newEntries(claim.history, previous?.claim.history);
  const poe = newEntries(claim.poe, previous?.claim.poe);
  const comments = newEntries(claim.comments, previous?.claim.comments);
  const alerts = newEntries(outbox, previous?.outbox);
  const kept = keptFields(claim, previous?.claim);
  const parsed = documentSchemaWithout(kept).safeParse({
    claim: { ...claim, history: history.entries, poe: poe.entries, comments: comments.entries },
    outbox: alerts.entries,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = (issue?.path ?? []).map(String);
    // The index into the new entries, given back as the index into the whole list.
    const [first, second, third] = path;
    if (first === 'outbox' && second !== undefined) path[1] = String(alerts.places[Number(second)]);
    const list = first === 'claim' ? { history, poe, comments }[second as 'history' | 'poe' | 'comments'] : undefined;
    if (list && third !== undefined) path[2] = String(list.places[Number(third)]);
    return { problem: { at: path.length ? path.join('.') : '?', message: issue?.message ?? '' } };
  }
  const checked = parsed.data as { claim: Claim; outbox: ClaimDocument['outbox'] };
  const lists: Partial<Claim> = {
    history: history.merged(checked.claim.history),
    poe: poe.merged(checked.claim.poe),
    comments: comments.merged(checked.claim.comments),
  };
  // In the schema's order, as a full check gives it (and a read from the file after a restart).
  const merged: Record<string, unknown> = {};
  for (const field of CLAIM_FIELDS) {
    const value = lists[field] ?? (kept.includes(field) ? claim[field] : checked.claim[field]);
    if (value !== undefined) merged[field] = value;
  }
  return { document: { claim: merged as Claim, outbox: alerts.merged(checked.outbox) } };
}

type ClaimField = keyof Claim & keyof typeof ClaimSchema.shape;
const CLAIM_FIELDS = Object.keys(ClaimSchema.shape) as ClaimField[];
const LISTS = new Set<ClaimField>(['history', 'poe', 'comments']);

/** The claim's object fields that are the same frozen objects as in the claim it replaces. */
function keptFields(claim: Claim, previous: Claim | undefined): ClaimField[] {
  if (!previous) return [];
  return CLAIM_FIELDS.filter((field) => {
    const value = claim[field];
    return !LISTS.has(field) && typeof value === 'object' && value === previous[field] && Object.isFrozen(value);
  });
}

/** The document schema without the claim fields `kept`, made once for each set of them. */
const schemasWithout = new Map<string, z.ZodType>();
function documentSchemaWithout(kept: readonly ClaimField[]): z.ZodType {
  const key = kept.join(',');
  let schema = schemasWithout.get(key);
  if (!schema) {
    const omitted = Object.fromEntries(kept.map((field) => [field, true])) as Partial<Record<ClaimField, true>>;
    schema = z.object({ claim: ClaimSchema.omit(omitted), outbox: z.array(AlertSchema) });
    schemasWithout.set(key, schema);
  }
  return schema;
}

interface NewEntries<T> {
  /** The entries to check. */
  entries: T[];
  /** Where each of them is in the list. */
  places: number[];
  /** The list with the checked entries in their places. */
  merged(checked: T[]): T[];
}

function newEntries<T>(list: readonly T[], before: readonly T[] | undefined): NewEntries<T> {
  const entries: T[] = [];
  const places: number[] = [];
  list.forEach((entry, place) => {
    if (entry === before?.[place] && Object.isFrozen(entry)) return;
    entries.push(entry);
    places.push(place);
  });
  return {
    entries,
    places,
    merged(checked) {
      if (places.length === list.length) return checked;
      const whole = list.slice();
      places.forEach((place, index) => (whole[place] = checked[index]!));
      return whole;
    },
  };
}
