// Claim ids kept sorted by a number (a due instant, the age of an alert), ties by id, so the
// earliest is read without a scan. Insert and remove are a binary search and one splice.

export interface OrderedEntry {
  claimId: string;
  at: number;
}

export class OrderedIds {
  private readonly entries: OrderedEntry[] = [];
  private readonly keys = new Map<string, number>();

  get size(): number {
    return this.entries.length;
  }

  set(claimId: string, at: number | undefined): void {
    this.delete(claimId);
    if (at === undefined) return;
    this.entries.splice(this.position(claimId, at), 0, { claimId, at });
    this.keys.set(claimId, at);
  }

  delete(claimId: string): void {
    const at = this.keys.get(claimId);
    if (at === undefined) return;
    const index = this.position(claimId, at);
    if (this.entries[index]?.claimId === claimId) this.entries.splice(index, 1);
    this.keys.delete(claimId);
  }

  first(): OrderedEntry | undefined {
    return this.entries[0];
  }

  /** In order, earliest first. */
  *ordered(): IterableIterator<OrderedEntry> {
    yield* this.entries;
  }

  private position(claimId: string, at: number): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const other = this.entries[mid]!;
      if (other.at < at || (other.at === at && other.claimId < claimId)) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
