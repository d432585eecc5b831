import { ClaimDocumentSchema, type ClaimDocument } from '../services/model.js';

// Both engines check a claim's document against the schema before storing it: a document the
// schema refuses would break every later read. A change leaves most of the entries of a document's
// lists (history, PoE files, comments, alerts) as they were: those it shares with the document it
// replaced, the same frozen objects at the same places, were checked when that was stored, so only
// the others go through the schema again.

export type Checked = { document: ClaimDocument } | { problem: { at: string; message: string } };

/** `document` as the schema gives it back, or the first problem found. */
export function checkForStorage(document: ClaimDocument, previous?: ClaimDocument): Checked {
  const { claim, outbox } = document;
  const history = newEntries(claim.history, previous?.claim.history);
  const poe = newEntries(claim.poe, previous?.claim.poe);
  const comments = newEntries(claim.comments, previous?.claim.comments);
  const alerts = newEntries(outbox, previous?.outbox);
  const parsed = ClaimDocumentSchema.safeParse({
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
  const checked = parsed.data;
  return {
    document: {
      claim: {
        ...checked.claim,
        history: history.merged(checked.claim.history),
        poe: poe.merged(checked.claim.poe),
        comments: comments.merged(checked.claim.comments),
      },
      outbox: alerts.merged(checked.outbox),
    },
  };
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
