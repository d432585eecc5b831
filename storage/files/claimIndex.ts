import type { ClaimDocument, Status } from '../../services/model.js';
import type { ClaimSearch, ClaimSummary, DueTimer } from '../../services/claimRepository.js';
import { oldestPendingAt, searchTextOf, summaryOf } from '../claimSummary.js';
import { StringPool } from '../../services/stringPool.js';
import { IdGroups } from './idGroups.js';
import { OrderedIds } from './orderedIds.js';

// The in-memory index over stored claims, rebuilt at start. Every lookup the service makes is a
// map access; timers are kept ordered by due instant so a tick never scans.

export class ClaimIndex {
  private readonly summaries = new Map<string, ClaimSummary>();
  private readonly searchText = new Map<string, string>();
  private readonly byOrganisation = new IdGroups();
  private readonly byCustomer = new IdGroups();
  private readonly byStatus = new IdGroups();
  private readonly activeByKey = new IdGroups();
  /** Claims with alerts to deliver, by the age of their oldest one. */
  private readonly withPendingAlerts = new OrderedIds();
  private readonly timers = new OrderedIds();
  /** One string per organisation for all its claims' summaries, where each document read brings a copy. */
  private readonly organisations = new StringPool();

  get size(): number {
    return this.summaries.size;
  }

  get(id: string): ClaimSummary | undefined {
    return this.summaries.get(id);
  }

  put(document: ClaimDocument): void {
    const { claim } = document;
    const previous = this.summaries.get(claim.id);
    const computed = { ...summaryOf(document), partnerTenantId: this.organisations.keep(claim.partnerTenantId) };
    const summary = previous ? keepingUnchanged(previous, computed) : computed;
    // The id kept since the claim was first indexed: each read of a document brings its own copy.
    const { id } = summary;
    // Most writes change a claim's status or alerts, not its organisation, customer or record
    // keys: a group is left alone when the claim's place in it is unchanged.
    const before = previous ? this.placesOf(previous) : [];
    const after = this.placesOf(summary);
    for (const place of before) if (!after.some((other) => samePlace(place, other))) place.groups.delete(place.key, id);
    for (const place of after) if (!before.some((other) => samePlace(place, other))) place.groups.add(place.key, id);
    this.summaries.set(id, summary);
    const text = searchTextOf(claim);
    if (this.searchText.get(id) !== text) this.searchText.set(id, text);
    this.withPendingAlerts.set(id, oldestPendingAt(document));
    this.timers.set(id, summary.nextDueAt);
  }

  remove(id: string): void {
    const summary = this.summaries.get(id);
    if (!summary) return;
    for (const place of this.placesOf(summary)) place.groups.delete(place.key, id);
    this.summaries.delete(id);
    this.searchText.delete(id);
    this.withPendingAlerts.delete(id);
    this.timers.delete(id);
  }

  /** The groups a claim with this summary is in, each under its key (the ordered lists are `put`'s own). */
  private placesOf(summary: ClaimSummary): Place[] {
    const places: Place[] = [
      { groups: this.byOrganisation, key: summary.partnerTenantId },
      { groups: this.byStatus, key: summary.status },
    ];
    if (summary.customerTenantId) places.push({ groups: this.byCustomer, key: summary.customerTenantId.toLowerCase() });
    if (summary.active) for (const key of summary.recordKeys) places.push({ groups: this.activeByKey, key });
    return places;
  }

  idsForOrganisation(tenantId: string): string[] {
    return this.byOrganisation.ids(tenantId);
  }

  search(search: ClaimSearch): string[] {
    const text = search.text.toLowerCase();
    const candidates = search.partnerTenantId === undefined ? this.summaries.keys() : this.byOrganisation.ids(search.partnerTenantId);
    const found: ClaimSummary[] = [];
    for (const id of candidates) {
      if (this.searchText.get(id)?.includes(text)) found.push(this.summaries.get(id)!);
    }
    return found
      .sort((a, b) => b.statusSince.localeCompare(a.statusSince) || b.id.localeCompare(a.id))
      .slice(0, search.limit)
      .map((summary) => summary.id);
  }

  idsForCustomerTenant(tenantId: string): string[] {
    return this.byCustomer.ids(tenantId.toLowerCase());
  }

  idsInStatuses(statuses: readonly Status[]): string[] {
    return [...new Set(statuses)].flatMap((status) => this.byStatus.ids(status));
  }

  idsToPrecheck(statuses: readonly Status[], settled: readonly string[]): string[] {
    return this.idsInStatuses(statuses).filter((id) => {
      const mark = this.summaries.get(id)!.precheckMark;
      return mark === undefined || !settled.includes(mark);
    });
  }

  activeIdsForKey(key: string): string[] {
    return this.activeByKey.ids(key);
  }

  /** Claims with alerts to deliver, the one holding the oldest alert first; at most `limit`. */
  idsWithPendingAlerts(limit = Number.POSITIVE_INFINITY): string[] {
    const ids: string[] = [];
    for (const entry of this.withPendingAlerts.ordered()) {
      if (ids.length >= limit) break;
      ids.push(entry.claimId);
    }
    return ids;
  }

  /** Claims with alerts to deliver, oldest alert first. */
  *claimsWithPendingAlerts(): IterableIterator<string> {
    for (const entry of this.withPendingAlerts.ordered()) yield entry.claimId;
  }

  /** Those of `ids` with alerts to deliver, oldest alert first (ties by id). */
  withPendingAlertsAmong(ids: readonly string[]): string[] {
    return this.withPendingAlerts.orderedAmong(ids);
  }

  /** Claims with a timer due at `now`, earliest first. */
  *dueTimers(now: number): IterableIterator<DueTimer> {
    for (const entry of this.timers.ordered()) {
      if (entry.at > now) return;
      yield { claimId: entry.claimId, dueAt: entry.at };
    }
  }

  nextDue(): DueTimer | undefined {
    const first = this.timers.first();
    return first && { claimId: first.claimId, dueAt: first.at };
  }
}

/**
 * `next` with the strings and record keys `previous` already holds wherever they are equal. A
 * write rereads the document, so each of its strings is a new copy; kept, they sat beside the
 * old ones the groups hold: an approval grew the index by 254-270 bytes, now by 48.
 */
function keepingUnchanged(previous: ClaimSummary, next: ClaimSummary): ClaimSummary {
  const same = <T>(before: T, after: T): T => (before === after ? before : after);
  return {
    ...next,
    id: previous.id,
    customerTenantId: same(previous.customerTenantId, next.customerTenantId),
    status: same(previous.status, next.status),
    consentPhase: same(previous.consentPhase, next.consentPhase),
    statusSince: same(previous.statusSince, next.statusSince),
    createdAt: same(previous.createdAt, next.createdAt),
    recordKeys: sameKeys(previous.recordKeys, next.recordKeys) ? previous.recordKeys : next.recordKeys,
    pendingMark: same(previous.pendingMark, next.pendingMark),
    precheckMark: same(previous.precheckMark, next.precheckMark),
  };
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((key, index) => key === b[index]);
}

/** The claim ids kept under `key` in `groups`. */
interface Place {
  groups: IdGroups;
  key: string;
}

function samePlace(a: Place, b: Place): boolean {
  return a.groups === b.groups && a.key === b.key;
}
