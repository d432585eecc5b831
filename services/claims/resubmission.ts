import { DETAIL_FIELDS, type Claim } from '../model.js';

// Structured resubmission: what a partner changed between the reviewer's request for information
// and their response, field by field, read from the claim's own history (every edit records each
// field's before and after; every upload the file), so the reviewer sees it beside the comments.

export interface DetailChange {
  field: string;
  from?: string;
  to?: string;
}

const DETAILS = new Set<string>(DETAIL_FIELDS);

/** A stored value as one line of text: lists joined, contacts as "name <email>". */
export function valueText(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length ? value.map((item) => valueText(item) ?? '').join(', ') : undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.name === 'string' && typeof record.email === 'string') {
    return `${record.name}${typeof record.title === 'string' ? ` (${record.title})` : ''} <${record.email}>`;
  }
  return JSON.stringify(value);
}

/** The details changed and the files added since the latest request for information. */
export function changesSinceRequest(claim: Claim): { detailChanges: DetailChange[]; poeAdded: string[] } {
  const start = claim.history.map((entry) => entry.action).lastIndexOf('requestInformation');
  const since = start < 0 ? [] : claim.history.slice(start + 1);
  const first = new Map<string, unknown>();
  const last = new Map<string, unknown>();
  const poeAdded: string[] = [];
  for (const entry of since) {
    for (const change of entry.changes) {
      if (change.field === 'poe') {
        const name = (change.to as { name?: unknown } | undefined)?.name;
        if (typeof name === 'string') poeAdded.push(name);
        continue;
      }
      if (!DETAILS.has(change.field)) continue;
      if (!first.has(change.field)) first.set(change.field, change.from);
      last.set(change.field, change.to);
    }
  }
  const detailChanges: DetailChange[] = [];
  for (const [field, before] of first) {
    const from = valueText(before);
    const to = valueText(last.get(field));
    // Changed and changed back is no change.
    if (from === to) continue;
    detailChanges.push({ field, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
  }
  return { detailChanges, poeAdded };
}
