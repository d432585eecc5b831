// Keys each due again a fixed interval after it was last noted: a claim's lease to renew, a
// waiting claim to check against the store. Kept in the order they were noted, so the due ones
// are found at the front, without looking at the thousands that are not (a delivery backlog).

export class DueInTurn<K> {
  private readonly notedAt = new Map<K, number>();
  /** The latest time noted or asked about: a `now` before it means the clock was set back. */
  private latest = Number.NEGATIVE_INFINITY;

  constructor(private readonly intervalMs: number) {}

  has(key: K): boolean {
    return this.notedAt.has(key);
  }

  /** `key` was seen to at `at` (a time not before the others noted): due again an interval later. */
  note(key: K, at: number): void {
    // Deleted first, so that it goes to the back: the map stays in the order of the times.
    this.notedAt.delete(key);
    this.notedAt.set(key, at);
    this.latest = Math.max(this.latest, at);
  }

  forget(key: K): void {
    this.notedAt.delete(key);
  }

  /**
   * The keys whose interval has passed at `now`, oldest first; they stay noted until noted again
   * or forgotten. A due key that is not `stillWanted` is forgotten instead (a claim no longer
   * worked here). A clock set back makes every time noted look recent: then all are due.
   */
  due(now: number, stillWanted: (key: K) => boolean = () => true): K[] {
    const clockSetBack = now < this.latest;
    this.latest = now;
    const due: K[] = [];
    for (const [key, at] of this.notedAt) {
      if (!clockSetBack && now - at < this.intervalMs) break;
      if (stillWanted(key)) due.push(key);
      else this.notedAt.delete(key);
    }
    return due;
  }
}
