import { recordKeysOf } from '../claimFacts.js';
import type { ClaimRepository, MutationReads } from '../claimRepository.js';
import type { Claim } from '../model.js';
import { KeyedMutex } from '../store/keyedMutex.js';

/** Other active claims on a claim's partner-of-record keys, sorted by id. */
export type KeyHolders = readonly { id: string; partnerTenantId: string }[];

/** Which other claims hold a claim's partner-of-record keys, for the duplicate guard and the review queue. */
export class RecordKeyHolders {
  /** Serializes changes that can make two claims compete for one key, so checks see each other. */
  private readonly gate = new KeyedMutex();
  /** The key holders read with a claim, for allowedActions' duplicate check (by object). */
  private readonly known = new WeakMap<Claim, KeyHolders>();

  constructor(private readonly repository: ClaimRepository) {}

  gated<T>(work: () => Promise<T>): Promise<T> {
    return this.gate.run('record-keys', work);
  }

  /** `reads`: a change's own, when asked while it decides. */
  async of(claim: Claim, reads: MutationReads = this.repository): Promise<KeyHolders> {
    const ids = new Set<string>();
    for (const key of recordKeysOf(claim)) {
      for (const id of await reads.activeIdsForKey(key)) if (id !== claim.id) ids.add(id);
    }
    if (ids.size === 0) return [];
    return (await reads.summaries([...ids]))
      .map((summary) => ({ id: summary.id, partnerTenantId: summary.partnerTenantId }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Active claims of other organisations on the same partner-of-record key. */
  async competitorsOf(claim: Claim): Promise<string[]> {
    return (await this.of(claim)).filter((holder) => holder.partnerTenantId !== claim.partnerTenantId).map((holder) => holder.id);
  }

  remember(claim: Claim, holders: KeyHolders): void {
    this.known.set(claim, holders);
  }

  /** The holders read with this very claim object, if it was read or changed here. */
  knownFor(claim: Claim): KeyHolders | undefined {
    return this.known.get(claim);
  }
}
