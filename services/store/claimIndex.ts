import { isActive, nextTimerDue, recordKeysOf } from '../claimFacts.js';
import type { ClaimDocument, Status } from '../model.js';
import type { ClaimSummary, DueTimer } from './claimRepository.js';

// The in-memory index over stored claims, rebuilt at start. Every lookup the service makes is a
// map access; timers are kept ordered by due instant so a tick never scans.

export class ClaimIndex {
  private readonly summaries = new Map<string, ClaimSummary>();
  private readonly byOrganisation = new Map<string, Set<string>>();
  private readonly byCustomer = new Map<string, Set<string>>();
  private readonly byStatus = new Map<Status, Set<string>>();
  private readonly activeByKey = new Map<string, Set<string>>();
  private readonly withPendingAlerts = new Set<string>();
  /** Sorted by dueAt, then id. */
  private readonly timers: DueTimer[] = [];

  get size(): number {
    return this.summaries.size;
  }

  get(id: string): ClaimSummary | undefined {
    return this.summaries.get(id);
  }

  put(document: ClaimDocument): void {
    this.remove(document.claim.id);
    const { claim, outbox } = document;
    const summary: ClaimSummary = {
      id: claim.id,
      partnerTenantId: claim.partnerTenantId,
      customerTenantId: claim.details.customerTenantId,
      status: claim.status,
      consentPhase: claim.consentPhase,
      statusSince: claim.statusSince,
      createdAt: claim.createdAt,
      recordKeys: recordKeysOf(claim),
      active: isActive(claim),
      nextDueAt: nextTimerDue(claim),
      pendingAlerts: outbox.filter((alert) => alert.state === 'pending').length,
    };
    this.summaries.set(claim.id, summary);
    addTo(this.byOrganisation, summary.partnerTenantId, claim.id);
    if (summary.customerTenantId) addTo(this.byCustomer, summary.customerTenantId.toLowerCase(), claim.id);
    addTo(this.byStatus, summary.status, claim.id);
    if (summary.active) for (const key of summary.recordKeys) addTo(this.activeByKey, key, claim.id);
    if (summary.pendingAlerts > 0) this.withPendingAlerts.add(claim.id);
    if (summary.nextDueAt !== undefined) this.insertTimer({ claimId: claim.id, dueAt: summary.nextDueAt });
  }

  remove(id: string): void {
    const summary = this.summaries.get(id);
    if (!summary) return;
    this.summaries.delete(id);
    removeFrom(this.byOrganisation, summary.partnerTenantId, id);
    if (summary.customerTenantId) removeFrom(this.byCustomer, summary.customerTenantId.toLowerCase(), id);
    removeFrom(this.byStatus, summary.status, id);
    for (const key of summary.recordKeys) removeFrom(this.activeByKey, key, id);
    this.withPendingAlerts.delete(id);
    if (summary.nextDueAt !== undefined) this.removeTimer({ claimId: id, dueAt: summary.nextDueAt });
  }

  idsForOrganisation(tenantId: string): string[] {
    return [...(this.byOrganisation.get(tenantId) ?? [])];
  }

  idsForCustomerTenant(tenantId: string): string[] {
    return [...(this.byCustomer.get(tenantId.toLowerCase()) ?? [])];
  }

  idsInStatuses(statuses: readonly Status[]): string[] {
    return [...new Set(statuses)].flatMap((status) => [...(this.byStatus.get(status) ?? [])]);
  }

  activeIdsForKey(key: string): string[] {
    return [...(this.activeByKey.get(key) ?? [])];
  }

  idsWithPendingAlerts(): string[] {
    return [...this.withPendingAlerts];
  }

  nextDue(): DueTimer | undefined {
    return this.timers[0];
  }

  private insertTimer(timer: DueTimer): void {
    this.timers.splice(this.position(timer), 0, timer);
  }

  private removeTimer(timer: DueTimer): void {
    const at = this.position(timer);
    if (this.timers[at]?.claimId === timer.claimId) this.timers.splice(at, 1);
  }

  /** Binary search: the first position not ordered before `timer`. */
  private position(timer: DueTimer): number {
    let low = 0;
    let high = this.timers.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const other = this.timers[mid]!;
      const before = other.dueAt < timer.dueAt || (other.dueAt === timer.dueAt && other.claimId < timer.claimId);
      if (before) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

function addTo<K>(map: Map<K, Set<string>>, key: K, id: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(id);
}

function removeFrom<K>(map: Map<K, Set<string>>, key: K, id: string): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) map.delete(key);
}
