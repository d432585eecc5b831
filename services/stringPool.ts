/**
 * One copy of each distinct string: where many records hold equal strings made or read
 * separately, keeping the first copy lets the others be collected.
 */
export class StringPool {
  private readonly kept = new Map<string, string>();

  /** The copy kept for this value, or this one, kept from now on. */
  keep(value: string): string {
    const kept = this.kept.get(value);
    if (kept !== undefined) return kept;
    this.kept.set(value, value);
    return value;
  }
}
