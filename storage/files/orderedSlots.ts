import { capacityFor } from './claimSlots.js';

// Claims (by slot) kept sorted by a number (a due instant, the age of an alert), ties by claim
// id, so the earliest is read without a scan. The entries are held in sorted chunks of a bounded
// size: an insert or a remove is two binary searches and a shift within one chunk, where one
// sorted array of every claim moved tens of thousands of entries per write. Chunks and instants
// are typed arrays, outside the JavaScript heap.

export interface OrderedEntry {
  slot: number;
  at: number;
}

/** A chunk that grows past this is split in two. */
const MAX_CHUNK = 512;

class Chunk {
  readonly ats = new Float64Array(MAX_CHUNK + 1);
  readonly slots = new Int32Array(MAX_CHUNK + 1);
  length = 0;

  insert(index: number, slot: number, at: number): void {
    this.ats.copyWithin(index + 1, index, this.length);
    this.slots.copyWithin(index + 1, index, this.length);
    this.ats[index] = at;
    this.slots[index] = slot;
    this.length += 1;
  }

  remove(index: number): void {
    this.ats.copyWithin(index, index + 1, this.length);
    this.slots.copyWithin(index, index + 1, this.length);
    this.length -= 1;
  }

  /** Moves the entries from `from` on into a new chunk, returned. */
  splitAt(from: number): Chunk {
    const rest = new Chunk();
    rest.ats.set(this.ats.subarray(from, this.length));
    rest.slots.set(this.slots.subarray(from, this.length));
    rest.length = this.length - from;
    this.length = from;
    return rest;
  }
}

export class OrderedSlots {
  /** Non-empty, each sorted, every entry of a chunk before every entry of the next. */
  private readonly chunks: Chunk[] = [];
  /** Each slot's instant; NaN for a slot not kept here. */
  private ats = new Float64Array(0);
  private count = 0;

  /** `compareClaims(a, b)` orders the claims in slots a and b (by id), for equal instants. */
  constructor(private readonly compareClaims: (a: number, b: number) => number) {}

  get size(): number {
    return this.count;
  }

  at(slot: number): number | undefined {
    const at = this.ats[slot];
    return at === undefined || Number.isNaN(at) ? undefined : at;
  }

  set(slot: number, at: number | undefined): void {
    if (at !== undefined && this.at(slot) === at) return;
    this.delete(slot);
    if (at === undefined) return;
    this.reserve(slot);
    this.ats[slot] = at;
    this.count += 1;
    if (this.chunks.length === 0) {
      const chunk = new Chunk();
      chunk.insert(0, slot, at);
      this.chunks.push(chunk);
      return;
    }
    const chunkIndex = Math.min(this.chunkFor(slot, at), this.chunks.length - 1);
    const chunk = this.chunks[chunkIndex]!;
    chunk.insert(this.position(chunk, slot, at), slot, at);
    if (chunk.length > MAX_CHUNK) this.chunks.splice(chunkIndex + 1, 0, chunk.splitAt(MAX_CHUNK / 2));
  }

  delete(slot: number): void {
    const at = this.at(slot);
    if (at === undefined) return;
    this.ats[slot] = Number.NaN;
    this.count -= 1;
    const chunkIndex = this.chunkFor(slot, at);
    const chunk = this.chunks[chunkIndex];
    if (!chunk) return;
    const index = this.position(chunk, slot, at);
    if (index >= chunk.length || chunk.slots[index] !== slot) return;
    chunk.remove(index);
    if (chunk.length === 0) this.chunks.splice(chunkIndex, 1);
  }

  /** Those of `slots` kept here, each once, in this order. */
  orderedAmong(slots: Iterable<number>): number[] {
    const kept = [...new Set(slots)].filter((slot) => this.at(slot) !== undefined);
    return kept.sort((a, b) => this.ats[a]! - this.ats[b]! || this.compareClaims(a, b));
  }

  first(): OrderedEntry | undefined {
    const chunk = this.chunks[0];
    return chunk && { slot: chunk.slots[0]!, at: chunk.ats[0]! };
  }

  /** In order, earliest first. */
  *ordered(): IterableIterator<OrderedEntry> {
    for (const chunk of this.chunks) {
      for (let index = 0; index < chunk.length; index += 1) yield { slot: chunk.slots[index]!, at: chunk.ats[index]! };
    }
  }

  private before(chunk: Chunk, index: number, slot: number, at: number): boolean {
    const held = chunk.ats[index]!;
    return held < at || (held === at && this.compareClaims(chunk.slots[index]!, slot) < 0);
  }

  /** The first chunk whose last entry is not before (slot, at); the chunk count when none is. */
  private chunkFor(slot: number, at: number): number {
    return firstNotBefore(this.chunks.length, (index) => {
      const chunk = this.chunks[index]!;
      return this.before(chunk, chunk.length - 1, slot, at);
    });
  }

  /** Where (slot, at) is or would go in a chunk. */
  private position(chunk: Chunk, slot: number, at: number): number {
    return firstNotBefore(chunk.length, (index) => this.before(chunk, index, slot, at));
  }

  private reserve(slot: number): void {
    if (slot < this.ats.length) return;
    const ats = new Float64Array(capacityFor(slot, this.ats.length)).fill(Number.NaN);
    ats.set(this.ats);
    this.ats = ats;
  }
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
