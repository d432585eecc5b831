// A small number per claim id, reused once its claim is gone. The index keeps each claim's fields
// by this number in typed arrays, outside the JavaScript heap: an object per claim, in the heap,
// is marked again by every full collection, and what V8 marks sets how far it lets the heap grow.

export class ClaimSlots {
  private readonly slots = new Map<string, number>();
  /** The id in each slot; undefined in a free one. */
  private readonly ids: (string | undefined)[] = [];
  private readonly free: number[] = [];

  get size(): number {
    return this.slots.size;
  }

  /** One more than the highest slot handed out: the length a column by slot needs. */
  get capacity(): number {
    return this.ids.length;
  }

  slotOf(id: string): number | undefined {
    return this.slots.get(id);
  }

  /** The id in `slot`, the copy kept since the claim was first given one. */
  idAt(slot: number): string {
    const id = this.ids[slot];
    if (id === undefined) throw new Error(`no claim in slot ${slot}`);
    return id;
  }

  /** The claim's slot: a new one (a freed one first) when it has none. */
  add(id: string): number {
    const kept = this.slots.get(id);
    if (kept !== undefined) return kept;
    const slot = this.free.pop() ?? this.ids.length;
    this.ids[slot] = id;
    this.slots.set(id, slot);
    return slot;
  }

  /** Frees the claim's slot; returns it, or undefined when the claim had none. */
  remove(id: string): number | undefined {
    const slot = this.slots.get(id);
    if (slot === undefined) return undefined;
    this.slots.delete(id);
    this.ids[slot] = undefined;
    this.free.push(slot);
    return slot;
  }

  /** The slots in use, lowest first. */
  *occupied(): IterableIterator<number> {
    for (let slot = 0; slot < this.ids.length; slot += 1) if (this.ids[slot] !== undefined) yield slot;
  }
}

/** The length a column by slot grows to for `slot`: doubling, so n claims copy each column about log2(n) times. */
export function capacityFor(slot: number, length: number): number {
  return Math.max(slot + 1, length * 2, 1024);
}
