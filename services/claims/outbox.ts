import type { AlertLeaseScope, ClaimRepository, PendingAlerts } from '../claimRepository.js';
import { chunksOf } from '../chunks.js';
import { pendingAlertsMark } from '../claimFacts.js';
import type { Clock } from '../clock.js';
import type { Alert } from '../model.js';

// The alerts changes recorded, as the delivery worker takes them and reports back.

export interface DeliveryOutcome {
  state: 'sent' | 'pending' | 'dead';
  error?: string;
}

/** Who asks for alerts to deliver (one bot instance), and for how long it holds a claim's. */
export interface AlertLease {
  owner: string;
  leaseMs: number;
}

export interface LeasedAlerts {
  /** Pending alerts of leased claims, oldest first, none of those excepted; at most `limit`. */
  alerts: Alert[];
  /** Every claim now leased to the owner by this call (some may have given no alert). */
  leased: string[];
}

export interface HeldAlertsCheckOptions {
  /** Every claim read, changed or not. */
  readAll: boolean;
  /** Only these of the held claims (default: all of them). */
  claims?: readonly string[];
}

/** How the alerts a worker holds stand in the store now. */
export interface HeldAlertsCheck {
  /** Pending alerts of those claims the worker does not hold yet, oldest first. */
  added: Alert[];
  /** Held alerts no longer pending (settled elsewhere, superseded, or their claim deleted). */
  gone: string[];
}

/**
 * Claims read at once when alerts are leased or held alerts are checked: a database engine
 * batches them, and a batch is parsed and checked in one go when it arrives, so a small one keeps
 * that from holding the loop (25 documents: about 7 ms, against 50 ms for 200).
 */
const CHECK_READS = 25;

export class Outbox {
  constructor(
    private readonly repository: ClaimRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Alerts waiting to be delivered, oldest first. `except` names alerts the caller already holds
   * (by claim): a claim all of whose pending alerts are held is skipped without being read, so a
   * large backlog for a throttled conversation costs nothing per pass.
   */
  async pendingAlerts(limit = 100, except: ReadonlyMap<string, ReadonlySet<string>> = new Map()): Promise<Alert[]> {
    return this.alertsOf(await this.repository.idsWithPendingAlerts(), limit, except);
  }

  /**
   * As pendingAlerts, but only from claims this owner now holds the alert lease of, so instances
   * sharing a database never take one claim's alerts at the same time. Claims in `except` (the
   * owner's own, still held) come back renewed and are read only for alerts not yet held;
   * `scope.skipOwn` leaves them out, `scope.among` looks at those claims only.
   */
  async leasePendingAlerts(
    lease: AlertLease,
    limit: number,
    except: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
    scope: AlertLeaseScope = {},
  ): Promise<LeasedAlerts> {
    // Unless left out, the owner's held claims come back too (they are among the oldest), so the limit makes room for them.
    const claims = scope.among ? scope.among.length : limit + (scope.skipOwn ? 0 : except.size);
    const leased = await this.repository.leasePendingAlerts({ now: this.clock.now(), ...lease, ...scope, limit: claims });
    return { alerts: await this.alertsOf(leased, limit, except), leased };
  }

  /**
   * How the alerts a worker holds (by claim; `options.claims`: only those) stand in the store. A
   * claim whose pending alerts are the ones held (their count and mark in its summary) is taken as
   * unchanged without reading it, unless `readAll`. `held` may change while this reads (alerts
   * settle meanwhile): each claim is compared with what it holds then.
   */
  async checkHeldAlerts(held: ReadonlyMap<string, ReadonlySet<string>>, options: HeldAlertsCheckOptions): Promise<HeldAlertsCheck> {
    const claimIds = options.claims ?? [...held.keys()];
    const pending = await this.repository.pendingAlertsOf(claimIds);
    // The pending alerts' mark names them: when it is the held ids', nothing was settled or added elsewhere.
    const unchanged = (claimId: string, ids: ReadonlySet<string>): boolean => {
      const stored = pending.get(claimId);
      return stored !== undefined && stored.pendingAlerts === ids.size && stored.pendingMark === pendingAlertsMark(ids);
    };
    const toRead = claimIds.filter((claimId) => {
      const ids = held.get(claimId);
      return ids !== undefined && (options.readAll || !unchanged(claimId, ids));
    });
    const check: HeldAlertsCheck = { added: [], gone: [] };
    for (const chunk of chunksOf(toRead, CHECK_READS)) {
      const documents = await Promise.all(chunk.map((claimId) => (pending.has(claimId) ? this.repository.get(claimId) : undefined)));
      for (const [index, claimId] of chunk.entries()) {
        const ids = held.get(claimId);
        if (!ids) continue;
        const pendingAlerts = (documents[index]?.outbox ?? []).filter((alert) => alert.state === 'pending');
        const stillPending = new Set(pendingAlerts.map((alert) => alert.id));
        check.gone.push(...[...ids].filter((id) => !stillPending.has(id)));
        check.added.push(...pendingAlerts.filter((alert) => !ids.has(alert.id)));
      }
    }
    check.added.sort(byAge);
    return check;
  }

  /**
   * The pending alerts of `claimIds` (oldest pending alert first), oldest first, at most `limit`.
   * Each claim read holds at least one alert not excepted, so the `limit` oldest alerts are all
   * among the first `limit` claims read; a claim all of whose pending alerts are held is skipped
   * without being read.
   */
  private async alertsOf(claimIds: readonly string[], limit: number, except: ReadonlyMap<string, ReadonlySet<string>>): Promise<Alert[]> {
    // Only the excepted claims among those found are counted: the caller may hold many more.
    const excepted = except.size ? claimIds.filter((claimId) => except.has(claimId)) : [];
    const pending = excepted.length ? await this.repository.pendingAlertsOf(excepted) : new Map<string, PendingAlerts>();
    const toRead = claimIds.filter((claimId) => {
      const held = except.get(claimId);
      return !held || held.size < (pending.get(claimId)?.pendingAlerts ?? 0);
    });
    const alerts: Alert[] = [];
    let claimsRead = 0;
    // Read together, as many as may still count; a claim gone meanwhile makes room for the next.
    for (let start = 0; start < toRead.length && claimsRead < limit;) {
      const chunk = toRead.slice(start, start + Math.min(limit - claimsRead, CHECK_READS));
      start += chunk.length;
      const documents = await Promise.all(chunk.map((claimId) => this.repository.get(claimId)));
      for (const [index, document] of documents.entries()) {
        if (!document) continue;
        claimsRead += 1;
        const held = except.get(chunk[index]!);
        alerts.push(...document.outbox.filter((alert) => alert.state === 'pending' && !held?.has(alert.id)));
      }
    }
    return alerts.sort(byAge).slice(0, limit);
  }

  /** Extends the owner's alert leases on `claimIds`; returns those it still holds. */
  renewAlertLeases(lease: AlertLease, claimIds: readonly string[]): Promise<string[]> {
    return this.repository.renewLeases('alerts', claimIds, { now: this.clock.now(), ...lease });
  }

  /** The claims whose alerts `lease.owner` holds now, as the store has it. */
  alertClaimsLeasedTo(lease: AlertLease): Promise<string[]> {
    return this.repository.idsLeasedTo('alerts', lease.owner, this.clock.now());
  }

  /** Frees claims whose alerts the owner no longer works on, for any instance to take. */
  releaseAlertLeases(owner: string, claimIds: readonly string[]): Promise<void> {
    return this.repository.releaseLeases('alerts', claimIds, owner);
  }

  /**
   * Records what became of one delivery attempt. `sent` is final: a later report for the same
   * alert changes nothing, so a retry racing a success can never resurrect it.
   */
  async recordDelivery(claimId: string, alertId: string, outcome: DeliveryOutcome): Promise<Alert | undefined> {
    return this.repository.update(claimId, (document) => {
      const alert = document.outbox.find((candidate) => candidate.id === alertId);
      if (!alert || alert.state !== 'pending') return { next: 'unchanged', result: alert };
      const updated: Alert = {
        ...alert,
        attempts: alert.attempts + 1,
        state: outcome.state,
        ...(outcome.state === 'sent' ? { sentAt: this.clock.now().toISOString() } : {}),
        ...(outcome.error ? { lastError: outcome.error.slice(0, 500) } : {}),
      };
      const outbox = document.outbox.map((candidate) => settled(candidate.id === alertId ? updated : candidate));
      return { next: { ...document, outbox }, result: updated };
    });
  }
}

/** Oldest first; a stable sort, so alerts of one change keep the order the lifecycle row gives them. */
function byAge(a: Alert, b: Alert): number {
  return a.createdAt.localeCompare(b.createdAt) || a.claimId.localeCompare(b.claimId);
}

/** What names the person an alert went to (audience `reviewer`): kept when the snapshot is dropped. */
const ADDRESSING = ['reviewerId', 'reviewerTenantId'] as const;

/**
 * A sent alert as the claim keeps it: what it was, to whom and when, without the snapshot its
 * card was drawn from. Nothing reads a sent alert's snapshot again (the posted copies keep their
 * own), and it is most of a claim's stored bytes: every later read, check and write paid for it.
 * An alert given up on keeps its snapshot, for whoever looks into why.
 */
export function settled(alert: Alert): Alert {
  if (alert.state !== 'sent' || Object.keys(alert.data).every((key) => (ADDRESSING as readonly string[]).includes(key))) return alert;
  const data: Record<string, unknown> = {};
  for (const key of ADDRESSING) if (alert.data[key] !== undefined) data[key] = alert.data[key];
  return { ...alert, data };
}
