import type { LeaseTerms } from '../../services/claimRepository.js';

// The files engine's leases. One process owns a DATA_DIR, so a lease never has to cross a
// process; it is kept with the same meaning as the database's (an owner, an expiry on the
// application's clock), so the loops using it behave alike on both engines.

interface Held {
  owner: string;
  until: number;
}

export class InProcessLeases {
  private readonly held = new Map<string, Held>();

  /**
   * Leases the first `limit` of `candidates` (in their order) that no other owner holds now;
   * `skipOwn`: nor the owner itself.
   */
  take(candidates: Iterable<string>, terms: LeaseTerms & { limit: number; skipOwn?: boolean }): string[] {
    const now = terms.now.getTime();
    const taken: string[] = [];
    for (const claimId of candidates) {
      if (taken.length >= terms.limit) break;
      const current = this.held.get(claimId);
      if (current && current.until > now && (current.owner !== terms.owner || terms.skipOwn)) continue;
      this.held.set(claimId, { owner: terms.owner, until: now + terms.leaseMs });
      taken.push(claimId);
    }
    return taken;
  }

  heldBy(owner: string, now: Date): string[] {
    return [...this.held].filter(([, held]) => held.owner === owner && held.until > now.getTime()).map(([claimId]) => claimId);
  }

  renew(claimIds: readonly string[], terms: LeaseTerms): string[] {
    const until = terms.now.getTime() + terms.leaseMs;
    return claimIds.filter((claimId) => {
      const current = this.held.get(claimId);
      if (current?.owner !== terms.owner) return false;
      current.until = until;
      return true;
    });
  }

  release(claimIds: readonly string[], owner: string): void {
    for (const claimId of claimIds) if (this.held.get(claimId)?.owner === owner) this.held.delete(claimId);
  }

  /** The claim is gone: its lease with it. */
  forget(claimId: string): void {
    this.held.delete(claimId);
  }
}
