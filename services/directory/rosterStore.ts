import type { Clock } from '../clock.js';
import { parseRoster, serializeRoster, type Roster } from './roster.js';
import type { AuditEntry, RosterStorage } from './rosterStorage.js';

export type { AuditAction, AuditEntry } from './rosterStorage.js';

// The roster as the product reads and changes it, on either engine (rosterStorage.ts). Reads are
// cached for a short time, so edits made by the CLI reach a running bot within the TTL, and at
// once where the engine reports changes (PostgreSQL: every instance hears each grant and revoke).
// Every change re-reads the roster, is checked by the parser that checks a start-up, and is
// stored with its audit entries.

/** What a change returns: the next roster (or `unchanged`), its audit entries and a result. */
export type RosterMutation<T> = (current: Roster) => {
  next: Roster | 'unchanged';
  audit: Omit<AuditEntry, 'at'>[];
  result: T;
};

export interface RosterStoreOptions {
  storage: RosterStorage;
  cacheTtlMs?: number;
  clock: Clock;
}

export class RosterStore {
  private readonly storage: RosterStorage;
  private readonly cacheTtlMs: number;
  private readonly clock: Clock;
  private readonly listeners: Array<() => void> = [];
  private cached: { roster: Roster; readAt: number } | undefined;

  constructor(options: RosterStoreOptions) {
    this.storage = options.storage;
    this.cacheTtlMs = options.cacheTtlMs ?? 60_000;
    this.clock = options.clock;
    this.storage.watch(() => {
      this.cached = undefined;
      for (const listener of this.listeners) listener();
    });
  }

  /** Where the roster lives (a file, a table), for messages. */
  get location(): string {
    return this.storage.location;
  }

  /** Reads and validates the roster now; a malformed one throws a RosterFormatError naming the line. */
  async load(): Promise<Roster> {
    const roster = parseRoster(await this.storage.read(), this.storage.location);
    this.cached = { roster, readAt: this.clock.now().getTime() };
    return roster;
  }

  /** The roster, from the cache while it is younger than the TTL and no change was reported. */
  async current(): Promise<Roster> {
    const cached = this.cached;
    if (cached && this.clock.now().getTime() - cached.readAt < this.cacheTtlMs) return cached.roster;
    return this.load();
  }

  /** Runs one change on the freshly read roster; stores and audits it unless it is `unchanged`. */
  async change<T>(mutation: RosterMutation<T>): Promise<T> {
    let stored: Roster | undefined;
    const result = await this.storage.change((text) => {
      const { next, audit, result } = mutation(parseRoster(text, this.storage.location));
      if (next === 'unchanged') return { audit: [], result };
      // Re-parse what is about to be written, so a change can never store a roster that would
      // stop the next start-up.
      const nextText = serializeRoster(next);
      parseRoster(nextText, this.storage.location);
      stored = next;
      const at = this.clock.now().toISOString();
      return { next: nextText, audit: audit.map((entry) => ({ at, ...entry })), result };
    });
    if (stored) {
      this.cached = { roster: stored, readAt: this.clock.now().getTime() };
      for (const listener of this.listeners) listener();
    }
    return result;
  }

  /** The audit trail, oldest first; a damaged entry is skipped and reported to `onSkipped`. */
  auditTrail(onSkipped?: (entry: number, problem: string) => void): Promise<AuditEntry[]> {
    return this.storage.auditTrail(onSkipped);
  }

  /** Called after every change, this instance's or (where the engine reports them) another's. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  close(): Promise<void> {
    return this.storage.close();
  }
}
