import type { ClaimDocument, ConsentPhase, Status } from './model.js';

// The port the claim service needs from storage. Engines in storage/: files (lowdb, embedded,
// default) and postgres. Queries are asynchronous because a database engine answers them.

/** What the engine knows of a claim without reading its document. */
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
  /** Which alerts are pending (`pendingAlertsMark`), when any are. */
  pendingMark?: string;
  /** What the claim's PoE reports stand for (`precheckMarkOf`), when they all stand for one. */
  precheckMark?: string;
}

/** Which alerts of a claim are pending: all a delivery compares with the alerts it holds. */
export type PendingAlerts = Pick<ClaimSummary, 'pendingAlerts' | 'pendingMark'>;

/** One page of a list of claims, ordered by when their status last changed (ties by id, the same way). */
export interface ClaimPage {
  /** `newest`: the most recently changed first. */
  order: 'newest' | 'oldest';
  /** Only the claims in these statuses; all when not given. */
  statuses?: readonly Status[];
  offset?: number;
  limit: number;
}

/** Which claims a page is taken from: every claim, a partner organisation's, or a customer tenant's (any case). */
export type ClaimScope = 'all' | { partnerTenantId: string } | { customerTenantId: string };

/** A search by the words a claim is found by (its id, customer and partner). */
export interface ClaimSearch {
  /** Matched as a substring, case-insensitively. */
  text: string;
  /** Which claims are searched, as for a page. */
  scope: ClaimScope;
  limit: number;
}

export interface DueTimer {
  claimId: string;
  dueAt: number;
}

/**
 * A lease: `owner` (one bot instance) alone works on a claim's due timers or pending alerts until
 * `now + leaseMs` of the application's clock. An owner that stops without releasing loses it
 * when that time passes, and another instance takes the work over.
 */
export interface LeaseTerms {
  now: Date;
  owner: string;
  leaseMs: number;
}

/** What a lease covers: a claim's due timers and its pending alerts are leased separately. */
export type LeaseKind = 'timers' | 'alerts';

/** Which claims with pending alerts a lease looks at (all of them when neither is given). */
export interface AlertLeaseScope {
  /** Leaves out the claims the owner holds now, whose alerts it already works on. */
  skipOwn?: boolean;
  /** Only these claims (those just changed here), whether free or the owner's already. */
  among?: readonly string[];
}

export interface MutationOutcome<T> {
  next: ClaimDocument | 'delete' | 'unchanged';
  result: T;
}

/**
 * What a mutation may ask while it decides (duplicate checks), answered within its update: a
 * database engine asks on the update's own transaction, whose locks last until the write.
 */
export type MutationReads = Pick<ClaimRepository, 'activeIdsForKey' | 'summaries'>;

/**
 * A mutation of one document: return the new document, `delete`, or `unchanged`. It queries through
 * `reads`, not the repository itself; an engine may run it more than once, so it must not act outside.
 */
export type DocumentMutation<T> = (current: ClaimDocument, reads: MutationReads) => MutationOutcome<T> | Promise<MutationOutcome<T>>;

export interface ClaimRepository {
  /** Loads what is stored (files) or connects and migrates (postgres). */
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

  summary(id: string): Promise<ClaimSummary | undefined>;
  /** The summaries of those of `ids` that exist, in no particular order. */
  summaries(ids: readonly string[]): Promise<ClaimSummary[]>;
  /**
   * A page of the claims in `scope` (and the page's statuses), in the page's order, and how many
   * there are in all: thousands ordered without a summary made for each, and no ids sent to the
   * store and back.
   */
  pageOf(scope: ClaimScope, page: ClaimPage): Promise<{ total: number; ids: string[] }>;
  /** The pending alerts of those of `ids` that exist, by id: read for thousands of claims at a time. */
  pendingAlertsOf(ids: readonly string[]): Promise<Map<string, PendingAlerts>>;
  idsInStatuses(statuses: readonly Status[]): Promise<string[]>;
  /** The claims in `statuses` whose pre-check mark is none of `settled` (or who have none). */
  idsToPrecheck(statuses: readonly Status[], settled: readonly string[]): Promise<string[]>;
  activeIdsForKey(recordKey: string): Promise<string[]>;
  /** Matching claims, most recently changed first. */
  searchIds(search: ClaimSearch): Promise<string[]>;
  /** The earliest timer still to fire across all claims, ties by claim id. */
  nextDue(): Promise<DueTimer | undefined>;
  /** Claims with alerts to deliver, the one holding the oldest alert first; at most `limit`. */
  idsWithPendingAlerts(limit?: number): Promise<string[]>;
  count(): Promise<number>;

  /**
   * Takes (or renews) the timer lease of up to `limit` claims with a timer due at `now` that no
   * other owner holds, earliest first (ties by claim id). Two owners never hold one claim.
   */
  leaseDueTimers(terms: LeaseTerms & { limit: number }): Promise<DueTimer[]>;
  /** The same for claims with pending alerts, the one holding the oldest alert first, within `scope`. */
  leasePendingAlerts(terms: LeaseTerms & { limit: number } & AlertLeaseScope): Promise<string[]>;
  /** The claims whose `kind` lease `owner` holds at `now`: what an instance restarted under the same name takes back. */
  idsLeasedTo(kind: LeaseKind, owner: string, now: Date): Promise<string[]>;
  /** Extends `owner`'s leases on `claimIds` to `now + leaseMs`; returns the ids it still holds. */
  renewLeases(kind: LeaseKind, claimIds: readonly string[], terms: LeaseTerms): Promise<string[]>;
  /** Gives up `owner`'s leases on `claimIds` (others' leases are left alone). */
  releaseLeases(kind: LeaseKind, claimIds: readonly string[], owner: string): Promise<void>;
}
