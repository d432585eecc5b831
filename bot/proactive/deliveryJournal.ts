import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { writeFileDurably } from '../../services/store/durableJsonFile.js';
import { readLog } from '../../services/store/jsonLines.js';

// A durable record of proactive sends, one JSON line per event, fsynced before the caller goes
// on. It closes the gap between "Teams accepted the message" and "the claim's outbox says sent":
//
//   append {sending}  ->  POST to the connector  ->  append {sent}  ->  recordDelivery('sent')
//
// After a crash, an alert still pending in the outbox is looked up here per recipient: `sent`
// means Teams has it (only the outbox write was lost), so it is recorded, never sent again;
// `sending` without an outcome is the one ambiguous case (the POST may or may not have reached
// Teams) and the configured rule decides (see DeliverySettings.afterCrash). `done` marks a whole
// alert (its dedupe key) as finished, so a second alert with the same key is never sent.
// A torn last line (crash mid-append) is ignored: its fsync never returned, so nothing was sent.

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
const COMPACT_EVERY = 5000;

export class DeliveryJournal {
  private readonly latest = new Map<string, JournalEntry>();
  private handle: FileHandle | undefined;
  private appendsSinceCompaction = 0;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private readonly retentionMs: number,
    private readonly now: () => number,
  ) {}

  /** Opens (or creates) `DATA_DIR/proactive/delivery-journal.jsonl` and compacts it. */
  static async open(dataDir: string, options: { retentionMs: number; now: () => number }): Promise<DeliveryJournal> {
    const path = join(dataDir, 'proactive', 'delivery-journal.jsonl');
    await mkdir(dirname(path), { recursive: true });
    const journal = new DeliveryJournal(path, options.retentionMs, options.now);
    await journal.load();
    await journal.compact();
    return journal;
  }

  state(key: string, target: string): JournalEntry | undefined {
    return this.latest.get(entryId(key, target));
  }

  /** True once every recipient of the alert with this dedupe key was settled. */
  isDone(key: string): boolean {
    return this.latest.get(entryId(key, WHOLE_ALERT))?.state === 'done';
  }

  async record(key: string, target: string, state: Exclude<JournalState, 'done'>, activityId?: string): Promise<void> {
    await this.append({ key, target, state, at: this.now(), ...(activityId ? { activityId } : {}) });
  }

  async markDone(key: string): Promise<void> {
    await this.append({ key, target: WHOLE_ALERT, state: 'done', at: this.now() });
  }

  async close(): Promise<void> {
    await this.writing;
    await this.handle?.close();
    this.handle = undefined;
  }

  private append(entry: JournalEntry): Promise<void> {
    // Appends are serialized so each line is whole and in order; each waits for its own fsync.
    const run = this.writing.then(async () => {
      this.handle ??= await open(this.path, 'a');
      await this.handle.appendFile(`${JSON.stringify(entry)}\n`, 'utf8');
      await this.handle.sync();
      this.latest.set(entryId(entry.key, entry.target), entry);
      this.appendsSinceCompaction += 1;
      if (this.appendsSinceCompaction >= COMPACT_EVERY) await this.compactNow();
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of readLog(text, JournalEntrySchema)) this.latest.set(entryId(entry.key, entry.target), entry);
  }

  private async compact(): Promise<void> {
    const run = this.writing.then(() => this.compactNow());
    this.writing = run.catch(() => undefined);
    await run;
  }

  /** Rewrites the file with the latest entry per recipient, dropping old settled ones. */
  private async compactNow(): Promise<void> {
    const horizon = this.now() - this.retentionMs;
    for (const [id, entry] of this.latest) {
      // An unfinished send is kept whatever its age: the restart rule still has to see it.
      if (entry.at < horizon && entry.state !== 'sending') this.latest.delete(id);
    }
    await this.handle?.close();
    this.handle = undefined;
    const lines = [...this.latest.values()].map((entry) => `${JSON.stringify(entry)}\n`).join('');
    await writeFileDurably(this.path, lines);
    this.appendsSinceCompaction = 0;
  }
}

function entryId(key: string, target: string): string {
  return `${key}\u0000${target}`;
}
