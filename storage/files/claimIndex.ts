import { CONSENT_PHASES, STATUSES, type ClaimDocument, type ConsentPhase, type Status } from '../../services/model.js';
import type { ClaimPage, ClaimScope, ClaimSearch, ClaimSummary, DueTimer, PendingAlerts } from '../../services/claimRepository.js';
import { oldestPendingAt, searchTextOf, summaryOf } from '../claimSummary.js';
import { ClaimSlots, capacityFor } from './claimSlots.js';
import { HashedGroups } from './hashedGroups.js';
import { OrderedSlots } from './orderedSlots.js';
import { TextColumn } from './textColumn.js';

// The in-memory index over stored claims, rebuilt at start. Every lookup the service makes is a
// map access or a scan of a typed array; timers are kept ordered by due instant so a tick never
// scans. Each claim's fields sit in columns by slot, outside the JavaScript heap: the objects and
// strings of a summary per claim were 26 MB of heap for 25,000 claims, marked by every full
// collection, and V8 let the heap (and RSS) grow to about four times what it marked.

/**
 * The rest of a summary, one JSON text per claim (`TextColumn`), read only where a claim's
 * customer or record keys are asked for: each instant only when it is not a `toISOString`, the
 * pending mark only when it is not 12 hex digits. What a poll reads of thousands of claims (the
 * pending alerts) or a sweep (the pre-check mark) is in columns.
 */
type Details = [customerTenantId: string | null, recordKeys: string[], statusSince: string | null, createdAt: string | null, pendingMark: string | null];

/** A pending mark (`pendingAlertsMark`: 12 hex digits) as the number it spells: exact in a double. */
const MARK_DIGITS = 12;
const MARK = /^[0-9a-f]{12}$/;
/** `toISOString` of a year 0 to 9999: 2026-01-31T09:00:00.000Z. */
const ISO_LENGTH = 24;
const SLOT_INSTANTS_BYTES = 2 * ISO_LENGTH;

export class ClaimIndex {
  private readonly slots = new ClaimSlots();
  /** Index in STATUSES. */
  private status = new Uint8Array(0);
  /** One more than the index in CONSENT_PHASES; 0 for none. */
  private consentPhase = new Uint8Array(0);
  private active = new Uint8Array(0);
  private pendingAlerts = new Uint32Array(0);
  /** Index in `organisations`. */
  private organisation = new Uint32Array(0);
  /** Epoch ms, for ordering. */
  private statusSince = new Float64Array(0);
  /** Per slot, `statusSince` then `createdAt` as `toISOString` gives them (ASCII), read back without formatting a date. */
  private instants = Buffer.alloc(0);
  /** The pending mark's 12 hex digits as a number; NaN for none, -1 for one kept in the details. */
  private pendingMark = new Float64Array(0);
  /** One more than the index in `precheckMarks`; 0 for none. */
  private precheckMark = new Uint32Array(0);
  /** The digest of the claim's file as last checked against the schema (`fileDigest`: 48 bits); NaN for none. */
  private checkedDigest = new Float64Array(0);
  private readonly organisations = new NumberedStrings();
  /** A mark is a checker version and a date limit: a handful in all. */
  private readonly precheckMarks = new NumberedStrings();
  private readonly details = new TextColumn();
  /** The words a claim is found by (`searchTextOf`). */
  private readonly words = new TextColumn();
  private readonly byCustomer = new HashedGroups();
  private readonly activeByKey = new HashedGroups();
  /** Claims with alerts to deliver, by the age of their oldest one. */
  private readonly withPendingAlerts = new OrderedSlots((a, b) => this.compareClaims(a, b));
  /** Claims by their next due timer: their summaries' `nextDueAt`. */
  private readonly timers = new OrderedSlots((a, b) => this.compareClaims(a, b));

  get size(): number {
    return this.slots.size;
  }

  has(id: string): boolean {
    return this.slots.slotOf(id) !== undefined;
  }

  get(id: string): ClaimSummary | undefined {
    const slot = this.slots.slotOf(id);
    return slot === undefined ? undefined : this.summaryAt(slot);
  }

  /** Which alerts of the claim are pending, read without the rest of its summary. */
  pendingAlertsOf(id: string): PendingAlerts | undefined {
    const slot = this.slots.slotOf(id);
    if (slot === undefined) return undefined;
    return { pendingAlerts: this.pendingAlerts[slot]!, pendingMark: this.pendingMarkAt(slot) };
  }

  /** Indexes `document`, whose file's digest is `checkedDigest` when its file was just checked against the schema. */
  put(document: ClaimDocument, checkedDigest = Number.NaN): void {
    const summary = summaryOf(document);
    const known = this.slots.slotOf(summary.id);
    const slot = this.slots.add(summary.id);
    this.reserve(slot);
    this.checkedDigest[slot] = checkedDigest;
    // Most writes change a claim's status or alerts, not its customer or record keys: a group is
    // left alone when the claim's place in it is unchanged.
    const before = known === undefined ? NO_PLACES : placesOf(this.detailsAt(slot), this.active[slot] === 1);
    const statusSince = instantOf(summary.statusSince);
    const createdAt = instantOf(summary.createdAt);
    const pendingMark = markNumberOf(summary.pendingMark);
    const details: Details = [
      summary.customerTenantId ?? null,
      summary.recordKeys.slice(),
      statusSince.text,
      createdAt.text,
      pendingMark === -1 ? summary.pendingMark! : null,
    ];
    this.status[slot] = STATUSES.indexOf(summary.status);
    this.consentPhase[slot] = summary.consentPhase === undefined ? 0 : CONSENT_PHASES.indexOf(summary.consentPhase) + 1;
    this.active[slot] = summary.active ? 1 : 0;
    this.pendingAlerts[slot] = summary.pendingAlerts;
    this.organisation[slot] = this.organisations.numberOf(summary.partnerTenantId);
    this.statusSince[slot] = statusSince.at;
    if (statusSince.text === null) this.instants.write(summary.statusSince, slot * SLOT_INSTANTS_BYTES, 'latin1');
    if (createdAt.text === null) this.instants.write(summary.createdAt, slot * SLOT_INSTANTS_BYTES + ISO_LENGTH, 'latin1');
    this.pendingMark[slot] = pendingMark;
    this.precheckMark[slot] = summary.precheckMark === undefined ? 0 : this.precheckMarks.numberOf(summary.precheckMark) + 1;
    this.details.set(slot, JSON.stringify(details));
    const after = placesOf(details, summary.active);
    if (before.customer !== after.customer) {
      if (before.customer !== undefined) this.byCustomer.delete(before.customer, slot);
      if (after.customer !== undefined) this.byCustomer.add(after.customer, slot);
    }
    for (const key of before.activeKeys) if (!after.activeKeys.includes(key)) this.activeByKey.delete(key, slot);
    for (const key of after.activeKeys) if (!before.activeKeys.includes(key)) this.activeByKey.add(key, slot);
    this.words.set(slot, searchTextOf(document.claim));
    this.withPendingAlerts.set(slot, oldestPendingAt(document));
    this.timers.set(slot, summary.nextDueAt);
  }

  /** The digest of the claim's file as last checked against the schema, if any. */
  checkedDigestOf(id: string): number | undefined {
    const slot = this.slots.slotOf(id);
    const digest = slot === undefined ? Number.NaN : this.checkedDigest[slot]!;
    return Number.isNaN(digest) ? undefined : digest;
  }

  /** Notes the digest of the claim's file, just checked against the schema (the claim is indexed). */
  noteCheckedDigest(id: string, digest: number): void {
    const slot = this.slots.slotOf(id);
    if (slot === undefined) throw new Error(`${id} is not indexed`);
    this.checkedDigest[slot] = digest;
  }

  remove(id: string): void {
    const slot = this.slots.slotOf(id);
    if (slot === undefined) return;
    const places = placesOf(this.detailsAt(slot), this.active[slot] === 1);
    if (places.customer !== undefined) this.byCustomer.delete(places.customer, slot);
    for (const key of places.activeKeys) this.activeByKey.delete(key, slot);
    this.details.delete(slot);
    this.words.delete(slot);
    this.withPendingAlerts.delete(slot);
    this.timers.delete(slot);
    this.slots.remove(id);
  }

  search(search: ClaimSearch): string[] {
    const needle = Buffer.from(search.text.toLowerCase());
    return this.slotsIn(search.scope, (slot) => this.words.includes(slot, needle))
      .sort(this.byStatusChange('newest'))
      .slice(0, search.limit)
      .map((slot) => this.slots.idAt(slot));
  }

  pageOf(scope: ClaimScope, page: ClaimPage): { total: number; ids: string[] } {
    const statuses = page.statuses && new Set(page.statuses.map((status) => STATUSES.indexOf(status)));
    const wanted = (slot: number): boolean => !statuses || statuses.has(this.status[slot]!);
    const ordered = this.slotsIn(scope, wanted).sort(this.byStatusChange(page.order));
    const offset = page.offset ?? 0;
    return { total: ordered.length, ids: ordered.slice(offset, offset + page.limit).map((slot) => this.slots.idAt(slot)) };
  }

  idsInStatuses(statuses: readonly Status[]): string[] {
    return this.slotsInStatuses(statuses).map((slot) => this.slots.idAt(slot));
  }

  idsToPrecheck(statuses: readonly Status[], settled: readonly string[]): string[] {
    const settledNumbers = settled.map((mark) => this.precheckMarks.existingNumberOf(mark)).filter((number) => number !== undefined);
    return this.slotsInStatuses(statuses)
      .filter((slot) => {
        const mark = this.precheckMark[slot]!;
        return mark === 0 || !settledNumbers.includes(mark - 1);
      })
      .map((slot) => this.slots.idAt(slot));
  }

  activeIdsForKey(key: string): string[] {
    return this.activeByKey
      .candidates(key)
      .filter((slot) => this.active[slot] === 1 && this.detailsAt(slot)[1].includes(key))
      .map((slot) => this.slots.idAt(slot));
  }

  /** Claims with alerts to deliver, the one holding the oldest alert first; at most `limit`. */
  idsWithPendingAlerts(limit = Number.POSITIVE_INFINITY): string[] {
    const ids: string[] = [];
    for (const entry of this.withPendingAlerts.ordered()) {
      if (ids.length >= limit) break;
      ids.push(this.slots.idAt(entry.slot));
    }
    return ids;
  }

  /** Claims with alerts to deliver, oldest alert first. */
  *claimsWithPendingAlerts(): IterableIterator<string> {
    for (const entry of this.withPendingAlerts.ordered()) yield this.slots.idAt(entry.slot);
  }

  /** Those of `ids` with alerts to deliver, oldest alert first (ties by id). */
  withPendingAlertsAmong(ids: readonly string[]): string[] {
    const slots = ids.map((id) => this.slots.slotOf(id)).filter((slot) => slot !== undefined);
    return this.withPendingAlerts.orderedAmong(slots).map((slot) => this.slots.idAt(slot));
  }

  /** Claims with a timer due at `now`, earliest first. */
  *dueTimers(now: number): IterableIterator<DueTimer> {
    for (const entry of this.timers.ordered()) {
      if (entry.at > now) return;
      yield { claimId: this.slots.idAt(entry.slot), dueAt: entry.at };
    }
  }

  nextDue(): DueTimer | undefined {
    const first = this.timers.first();
    return first && { claimId: this.slots.idAt(first.slot), dueAt: first.at };
  }

  private summaryAt(slot: number): ClaimSummary {
    const [customerTenantId, recordKeys, statusSince, createdAt] = this.detailsAt(slot);
    const phase = this.consentPhase[slot]!;
    const precheckMark = this.precheckMark[slot]!;
    // The same keys, in the same order, as `summaryOf` gives.
    return {
      id: this.slots.idAt(slot),
      partnerTenantId: this.organisations.stringOf(this.organisation[slot]!),
      customerTenantId: customerTenantId ?? undefined,
      status: STATUSES[this.status[slot]!]!,
      consentPhase: phase === 0 ? undefined : (CONSENT_PHASES[phase - 1] as ConsentPhase),
      statusSince: statusSince ?? this.isoAt(slot * SLOT_INSTANTS_BYTES),
      createdAt: createdAt ?? this.isoAt(slot * SLOT_INSTANTS_BYTES + ISO_LENGTH),
      recordKeys,
      active: this.active[slot] === 1,
      nextDueAt: this.timers.at(slot),
      pendingAlerts: this.pendingAlerts[slot]!,
      pendingMark: this.pendingMarkAt(slot),
      precheckMark: precheckMark === 0 ? undefined : this.precheckMarks.stringOf(precheckMark - 1),
    };
  }

  private isoAt(offset: number): string {
    return this.instants.toString('latin1', offset, offset + ISO_LENGTH);
  }

  private pendingMarkAt(slot: number): string | undefined {
    const mark = this.pendingMark[slot]!;
    if (Number.isNaN(mark)) return undefined;
    return mark === -1 ? (this.detailsAt(slot)[4] ?? undefined) : mark.toString(16).padStart(MARK_DIGITS, '0');
  }

  private detailsAt(slot: number): Details {
    const text = this.details.get(slot);
    if (text === undefined) throw new Error(`no claim in slot ${slot}`);
    return JSON.parse(text) as Details;
  }

  private slotsIn(scope: ClaimScope, test: (slot: number) => boolean): number[] {
    if (scope === 'all') return this.slotsWhere(test);
    if ('partnerTenantId' in scope) {
      const organisation = this.organisations.existingNumberOf(scope.partnerTenantId);
      return organisation === undefined ? [] : this.slotsWhere((slot) => this.organisation[slot] === organisation && test(slot));
    }
    const key = scope.customerTenantId.toLowerCase();
    return this.byCustomer.candidates(key).filter((slot) => this.detailsAt(slot)[0]?.toLowerCase() === key && test(slot));
  }

  private slotsInStatuses(statuses: readonly Status[]): number[] {
    const wanted = new Set(statuses.map((status) => STATUSES.indexOf(status)));
    return this.slotsWhere((slot) => wanted.has(this.status[slot]!));
  }

  private slotsWhere(test: (slot: number) => boolean): number[] {
    const found: number[] = [];
    for (const slot of this.slots.occupied()) if (test(slot)) found.push(slot);
    return found;
  }

  /** By when the status last changed; ties by claim id, in the same direction. */
  private byStatusChange(order: ClaimPage['order']): (a: number, b: number) => number {
    const direction = order === 'newest' ? -1 : 1;
    return (a, b) => direction * (this.statusSince[a]! - this.statusSince[b]! || this.compareClaims(a, b));
  }

  private compareClaims(a: number, b: number): number {
    const first = this.slots.idAt(a);
    const second = this.slots.idAt(b);
    return first < second ? -1 : first > second ? 1 : 0;
  }

  private reserve(slot: number): void {
    if (slot < this.status.length) return;
    const capacity = capacityFor(slot, this.status.length);
    this.status = grown(this.status, new Uint8Array(capacity));
    this.consentPhase = grown(this.consentPhase, new Uint8Array(capacity));
    this.active = grown(this.active, new Uint8Array(capacity));
    this.pendingAlerts = grown(this.pendingAlerts, new Uint32Array(capacity));
    this.organisation = grown(this.organisation, new Uint32Array(capacity));
    this.statusSince = grown(this.statusSince, new Float64Array(capacity));
    const instants = Buffer.alloc(capacity * SLOT_INSTANTS_BYTES);
    this.instants.copy(instants);
    this.instants = instants;
    this.pendingMark = grown(this.pendingMark, new Float64Array(capacity));
    this.precheckMark = grown(this.precheckMark, new Uint32Array(capacity));
    this.checkedDigest = grown(this.checkedDigest, new Float64Array(capacity));
  }
}

/** Where a claim is grouped: its customer (lower case) and, while it is active, its record keys. */
interface Places {
  customer: string | undefined;
  activeKeys: readonly string[];
}

const NO_PLACES: Places = { customer: undefined, activeKeys: [] };

function placesOf(details: Details, active: boolean): Places {
  return { customer: details[0]?.toLowerCase(), activeKeys: active ? [...new Set(details[1])] : [] };
}

/** The mark as a number; NaN for none, -1 for a mark of another form (kept as text). */
function markNumberOf(mark: string | undefined): number {
  if (mark === undefined) return Number.NaN;
  return MARK.test(mark) ? Number.parseInt(mark, 16) : -1;
}

/** Strings numbered in the order they were first seen, for a column to hold the number: a few distinct ones, held by many claims. */
class NumberedStrings {
  private readonly strings: string[] = [];
  private readonly numbers = new Map<string, number>();

  numberOf(value: string): number {
    let number = this.numbers.get(value);
    if (number === undefined) {
      number = this.strings.push(value) - 1;
      this.numbers.set(value, number);
    }
    return number;
  }

  existingNumberOf(value: string): number | undefined {
    return this.numbers.get(value);
  }

  stringOf(number: number): string {
    return this.strings[number]!;
  }
}

/** An instant as a number, with its text kept in the details when it is not what `toISOString` gives (in its 24 characters). */
function instantOf(text: string): { at: number; text: string | null } {
  const at = Date.parse(text);
  const exact = Number.isFinite(at) && text.length === ISO_LENGTH && new Date(at).toISOString() === text;
  return { at: Number.isFinite(at) ? at : Number.NaN, text: exact ? null : text };
}

function grown<T extends Uint8Array | Uint32Array | Float64Array>(column: T, larger: T): T {
  larger.set(column);
  return larger;
}
