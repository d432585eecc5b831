import { capacityFor } from './claimSlots.js';

// One text per slot, kept as UTF-8 in one buffer outside the JavaScript heap, where tens of
// thousands of small strings would each be an object for the collector to mark. A text that
// changes is written anew at the end; the buffer is compacted once the old copies outweigh the
// live ones.

const INITIAL_BYTES = 64 * 1024;

export class TextColumn {
  private bytes = Buffer.allocUnsafe(INITIAL_BYTES);
  private starts = new Float64Array(0);
  /** Bytes of each slot's text; -1 for a slot without one. */
  private lengths = new Int32Array(0);
  /** Where the next text goes. */
  private end = 0;
  /** Bytes below `end` that no slot holds any longer. */
  private garbage = 0;

  get(slot: number): string | undefined {
    const length = this.lengths[slot] ?? -1;
    if (length < 0) return undefined;
    const start = this.starts[slot]!;
    return this.bytes.toString('utf8', start, start + length);
  }

  set(slot: number, text: string): void {
    this.reserveSlot(slot);
    const length = Buffer.byteLength(text);
    this.reserveBytes(length);
    // Written past the end first: an unchanged text (most writes of a claim) costs no space.
    this.bytes.write(text, this.end, 'utf8');
    const held = this.lengths[slot]!;
    if (held === length) {
      const start = this.starts[slot]!;
      if (this.bytes.compare(this.bytes, start, start + length, this.end, this.end + length) === 0) return;
    }
    if (held >= 0) this.garbage += held;
    this.starts[slot] = this.end;
    this.lengths[slot] = length;
    this.end += length;
  }

  delete(slot: number): void {
    const held = this.lengths[slot] ?? -1;
    if (held < 0) return;
    this.garbage += held;
    this.lengths[slot] = -1;
  }

  /** Whether the slot's text holds `needle` (UTF-8) anywhere. */
  includes(slot: number, needle: Uint8Array): boolean {
    const length = this.lengths[slot] ?? -1;
    if (length < 0) return false;
    const start = this.starts[slot]!;
    // UTF-8 is self-synchronising, so a byte match is a match of whole characters.
    return this.bytes.subarray(start, start + length).indexOf(needle) !== -1;
  }

  private reserveSlot(slot: number): void {
    if (slot < this.lengths.length) return;
    const capacity = capacityFor(slot, this.lengths.length);
    const starts = new Float64Array(capacity);
    starts.set(this.starts);
    const lengths = new Int32Array(capacity).fill(-1);
    lengths.set(this.lengths);
    this.starts = starts;
    this.lengths = lengths;
  }

  /** Room for `length` more bytes at the end, compacting when the old copies outweigh the live texts. */
  private reserveBytes(length: number): void {
    if (this.end + length <= this.bytes.length) return;
    const live = this.end - this.garbage;
    const size = Math.max(INITIAL_BYTES, 2 * (live + length), this.garbage > live ? 0 : 2 * this.bytes.length);
    const bytes = Buffer.allocUnsafe(size);
    let end = 0;
    for (let slot = 0; slot < this.lengths.length; slot += 1) {
      const held = this.lengths[slot]!;
      if (held < 0) continue;
      const start = this.starts[slot]!;
      this.bytes.copy(bytes, end, start, start + held);
      this.starts[slot] = end;
      end += held;
    }
    this.bytes = bytes;
    this.end = end;
    this.garbage = 0;
  }
}
