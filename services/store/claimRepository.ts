import type { ClaimDocument, ConsentPhase, Status } from '../model.js';

// What the claim service needs from a store. Implementations: lowdb (embedded, default).

/** What the in-memory index knows of a claim without reading its document. */
export interface ClaimSummary {
  id: string;
  partnerTenantId: string;
  customerTenantId?: string;
  status: Status;
  consentPhase?: ConsentPhase;
  statusSince: string;
  createdAt: string;
  recordKeys: readonly string[];
  active: boolean;
  /** Epoch ms of the earliest timer still to fire. */
  nextDueAt?: number;
  pendingAlerts: number;
}

export interface DueTimer {
  claimId: string;
  dueAt: number;
}

/** A mutation of one document: return the new document, `delete`, or `unchanged`. */
export type DocumentMutation<T> = (
  current: ClaimDocument,
) => { next: ClaimDocument | 'delete' | 'unchanged'; result: T };

export interface ClaimRepository {
  /** Loads what is stored and builds the index. */
  open(): Promise<void>;
  /** Waits for writes in flight. */
  close(): Promise<void>;

  /** A new, never reused id such as CPOR-2026-000123. */
  allocateId(at: Date): Promise<string>;
  get(id: string): Promise<ClaimDocument | undefined>;
  /** Stores a new document; fails if the id exists. */
  insert(document: ClaimDocument): Promise<void>;
  /**
   * Runs `mutation` on the current document with writes to that claim serialized, and stores
   * its result in one atomic write. Throws `not-found` when there is no such claim.
   */
  update<T>(id: string, mutation: DocumentMutation<T>): Promise<T>;
  /** Replaces a document if its stored version is still `expectedVersion` (else `stale-version`). */
  save(document: ClaimDocument, expectedVersion: number): Promise<void>;

  summary(id: string): ClaimSummary | undefined;
  idsForOrganisation(partnerTenantId: string): string[];
  idsInStatuses(statuses: readonly Status[]): string[];
  activeIdsForKey(recordKey: string): string[];
  idsForCustomerTenant(customerTenantId: string): string[];
  /** The earliest timer still to fire across all claims. */
  nextDue(): DueTimer | undefined;
  /** Claims with alerts to deliver, the one holding the oldest alert first; at most `limit`. */
  idsWithPendingAlerts(limit?: number): string[];
  count(): number;
}
