// A bounded map for the caches on the request path: when the entries weigh more than the limit
// together, the entry read or written longest ago leaves first, so what every turn uses stays and
// the memory is bounded. An entry weighs 1 unless it is given a weight (a text's length, say);
// one heavier than the whole limit is not kept.

export class RecentlyUsed<V> {
  private readonly entries = new Map<string, { value: V; weight: number }>();
  private total = 0;

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** What the entries weigh together. */
  get weight(): number {
    return this.total;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, weight = 1): void {
    this.delete(key);
    this.entries.set(key, { value, weight });
    this.total += weight;
    for (const [oldest, entry] of this.entries) {
      if (this.total <= this.limit) break;
      this.entries.delete(oldest);
      this.total -= entry.weight;
    }
  }

  /** Removes `key`; with `value`, only while `key` still holds that value. */
  delete(key: string, value?: V): void {
    const entry = this.entries.get(key);
    if (entry === undefined || (value !== undefined && entry.value !== value)) return;
    this.entries.delete(key);
    this.total -= entry.weight;
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }
}
