// Claim ids kept sorted by a number (a due instant, the age of an alert), ties by id, so the
// earliest is read without a scan. The entries are held in sorted chunks of a bounded size: an
// insert or a remove is two binary searches and a splice of one chunk, where one sorted array of
// every claim moved tens of thousands of entries per write.

export interface OrderedEntry {
  claimId: string;
  at: number;
}

/** A chunk that grows past this is split in two. */
const MAX_CHUNK = 512;

export class OrderedIds {
  /** Non-empty, each sorted, every entry of a chunk before every entry of the next. */
  private readonly chunks: OrderedEntry[][] = [];
  private readonly keys = new Map<string, number>();

  get size(): number {
    return this.keys.size;
  }

  set(claimId: string, at: number | undefined): void {
    if (at !== undefined && this.keys.get(claimId) === at) return;
    this.delete(claimId);
    if (at === undefined) return;
    const entry = { claimId, at };
    this.keys.set(claimId, at);
    if (this.chunks.length === 0) {
      this.chunks.push([entry]);
      return;
    }
    const chunkIndex = Math.min(this.chunkFor(claimId, at), this.chunks.length - 1);
    const chunk = this.chunks[chunkIndex]!;
    chunk.splice(position(chunk, claimId, at), 0, entry);
    if (chunk.length > MAX_CHUNK) this.chunks.splice(chunkIndex + 1, 0, chunk.splice(MAX_CHUNK / 2));
  }

  delete(claimId: string): void {
    const at = this.keys.get(claimId);
    if (at === undefined) return;
    this.keys.delete(claimId);
    const chunkIndex = this.chunkFor(claimId, at);
    const chunk = this.chunks[chunkIndex];
    if (!chunk) return;
    const index = position(chunk, claimId, at);
    if (chunk[index]?.claimId !== claimId) return;
    chunk.splice(index, 1);
    if (chunk.length === 0) this.chunks.splice(chunkIndex, 1);
  }

  /** Those of `claimIds` kept here, each once, in this order. */
  orderedAmong(claimIds: Iterable<string>): string[] {
    const entries = [...new Set(claimIds)].flatMap((claimId) => {
      const at = this.keys.get(claimId);
      return at === undefined ? [] : [{ claimId, at }];
    });
    return entries.sort((a, b) => (before(a, b.claimId, b.at) ? -1 : before(b, a.claimId, a.at) ? 1 : 0)).map((entry) => entry.claimId);
  }

  first(): OrderedEntry | undefined {
    return this.chunks[0]?.[0];
  }

  /** In order, earliest first. */
  *ordered(): IterableIterator<OrderedEntry> {
    for (const chunk of this.chunks) yield* chunk;
  }

  /** The first chunk whose last entry is not before (claimId, at); the chunk count when none is. */
  private chunkFor(claimId: string, at: number): number {
    return firstNotBefore(this.chunks.length, (index) => {
      const chunk = this.chunks[index]!;
      return before(chunk[chunk.length - 1]!, claimId, at);
    });
  }
}

function before(entry: OrderedEntry, claimId: string, at: number): boolean {
  return entry.at < at || (entry.at === at && entry.claimId < claimId);
}

/** Where (claimId, at) is or would go in a sorted chunk. */
function position(chunk: readonly OrderedEntry[], claimId: string, at: number): number {
  return firstNotBefore(chunk.length, (index) => before(chunk[index]!, claimId, at));
}

/** A binary search: the first index below `count` that `isBefore` rejects (it accepts a prefix), or `count`. */
function firstNotBefore(count: number, isBefore: (index: number) => boolean): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (isBefore(mid)) low = mid + 1;
    else high = mid;
  }
  return low;
}
