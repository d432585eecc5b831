import { join } from 'node:path';
import { z } from 'zod';
import type { Clock } from '../../services/clock.js';
import type { CollectionDefinition, DocumentCollection, DocumentStore, LegacyImport } from '../../services/store/documentStore.js';
import { readLog } from '../../services/store/jsonLines.js';
import { readTextIfPresent } from '../../services/store/durableJsonFile.js';

// A durable record of proactive sends, one document per (alert dedupe key, recipient), written
// durably (files: fsync and rename; postgres: committed) before the caller goes on. It closes the
// gap between "Teams accepted the message" and "the claim's outbox says sent":
//
//   record {sending}  ->  POST to the connector  ->  record {sent}  ->  recordDelivery('sent')
//
// After a crash, an alert still pending in the outbox is looked up here per recipient: `sent`
// means Teams has it (only the outbox write was lost), so it is recorded, never sent again;
// `sending` without an outcome is the one ambiguous case (the POST may or may not have reached
// Teams) and the configured rule decides (see DeliverySettings.afterCrash). `done` marks a whole
// alert (its dedupe key) as finished, so a second alert with the same key is never sent.
// Entries expire `retentionMs` after they were written, but an unfinished `sending` never does:
// the restart rule still has to see it. With STORE=postgres every instance reads the same journal.

const JournalEntrySchema = z.object({
  /** The alert's dedupe key. */
  key: z.string(),
  /** The recipient conversation ('*' for the alert as a whole). */
  target: z.string(),
  state: z.enum(['sending', 'sent', 'failed', 'done']),
  at: z.number(),
  activityId: z.string().optional(),
});
export type JournalEntry = z.infer<typeof JournalEntrySchema>;
export type JournalState = JournalEntry['state'];

const WHOLE_ALERT = '*';
/** Writes between two sweeps of expired entries (and one sweep at start). */
const SWEEP_EVERY = 5000;

export class DeliveryJournal {
  private writesSinceSweep = 0;
  private sweeping: Promise<void> = Promise.resolve();
  /** Entries read ahead for a delivery pass, by entry id (absent ones as undefined); each answers one `state`. */
  private readonly ahead = new Map<string, JournalEntry | undefined>();

  private constructor(
    private readonly entries: DocumentCollection<JournalEntry>,
    private readonly retentionMs: number,
    private readonly clock: Clock,
    private readonly log: (message: string, error?: unknown) => void,
  ) {}

  /** Opens the journal (collection `proactive/delivery-journal`) and drops expired entries. */
  static async open(
    documents: DocumentStore,
    options: { retentionMs: number; clock: Clock; log?: (message: string, error?: unknown) => void },
  ): Promise<DeliveryJournal> {
    const entries = await documents.collection(journalCollection(options.retentionMs));
    const journal = new DeliveryJournal(entries, options.retentionMs, options.clock, options.log ?? (() => undefined));
    await entries.sweepExpired();
    return journal;
  }

  async state(key: string, target: string): Promise<JournalEntry | undefined> {
    const id = entryId(key, target);
    if (this.ahead.has(id)) {
      const entry = this.ahead.get(id);
      this.ahead.delete(id);
      return entry;
    }
    return (await this.entries.get(id))?.value;
  }

  /**
   * Reads the entries of these alerts (their whole-alert entry and each recipient's) together, for
   * the `isDone` and `state` a pass asks next: one statement on PostgreSQL instead of one per
   * question. What was read ahead before is forgotten, and a write here forgets what it replaces.
   */
  async readAhead(alerts: ReadonlyArray<{ key: string; targets: readonly string[] }>): Promise<void> {
    this.ahead.clear();
    const ids = [...new Set(alerts.flatMap(({ key, targets }) => [WHOLE_ALERT, ...targets].map((target) => entryId(key, target))))];
    const read = await Promise.all(ids.map((id) => this.entries.get(id)));
    ids.forEach((id, index) => this.ahead.set(id, read[index]?.value));
  }

  /** Forgets what was read ahead and not asked for (the pass has ended). */
  forgetReadAhead(): void {
    this.ahead.clear();
  }

  /** True once every recipient of the alert with this dedupe key was settled. */
  async isDone(key: string): Promise<boolean> {
    return (await this.state(key, WHOLE_ALERT))?.state === 'done';
  }

  async record(key: string, target: string, state: Exclude<JournalState, 'done'>, activityId?: string): Promise<void> {
    await this.write({ key, target, state, at: this.clock.now().getTime(), ...(activityId ? { activityId } : {}) });
  }

  async markDone(key: string): Promise<void> {
    await this.write({ key, target: WHOLE_ALERT, state: 'done', at: this.clock.now().getTime() });
  }

  /** Waits for a sweep under way. */
  async close(): Promise<void> {
    await this.sweeping;
  }

  private async write(entry: JournalEntry): Promise<void> {
    this.ahead.delete(entryId(entry.key, entry.target));
    await this.entries.put(entryId(entry.key, entry.target), entry, expiryOf(entry, this.retentionMs));
    this.writesSinceSweep += 1;
    if (this.writesSinceSweep >= SWEEP_EVERY) {
      this.writesSinceSweep = 0;
      // Off the send path: a sweep only frees space.
      this.sweeping = this.sweeping
        .then(() => this.entries.sweepExpired())
        .then(
          () => undefined,
          (error: unknown) => this.log('sweeping the delivery journal failed', error),
        );
    }
  }
}

function journalCollection(retentionMs: number): CollectionDefinition<JournalEntry> {
  return { name: 'proactive/delivery-journal', schema: JournalEntrySchema, legacy: previousJournal(retentionMs) };
}

function expiryOf(entry: JournalEntry, retentionMs: number): { expiresAt?: number } {
  return entry.state === 'sending' ? {} : { expiresAt: entry.at + retentionMs };
}

/**
 * The previous version's journal, DATA_DIR/proactive/delivery-journal.jsonl (one JSON line per
 * event, the latest per recipient wins), imported once by the files engine. A torn last line
 * (crash mid-append) is skipped: its fsync never returned, so nothing was sent.
 */
function previousJournal(retentionMs: number): LegacyImport<JournalEntry> {
  return {
    async read(dataDir, report) {
      const path = join(dataDir, 'proactive', 'delivery-journal.jsonl');
      const text = await readTextIfPresent(path);
      if (text === undefined) return undefined;
      const latest = new Map<string, JournalEntry>();
      const entries = readLog(text, JournalEntrySchema, (line, problem) => report(`delivery-journal.jsonl line ${line} skipped: ${problem}`));
      for (const entry of entries) latest.set(entryId(entry.key, entry.target), entry);
      return {
        documents: [...latest].map(([key, entry]) => ({ key, value: entry, ...expiryOf(entry, retentionMs) })),
        paths: [path],
      };
    },
  };
}

/** A key any engine can store (PostgreSQL text holds no NUL) that no two pairs share. */
function entryId(key: string, target: string): string {
  return JSON.stringify([key, target]);
}
