import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AuditEntrySchema, type AuditEntry, type RosterStorage, type RosterTextChange } from '../../services/directory/rosterStorage.js';
import { readTextIfPresent, writeFileDurably } from '../../services/store/durableJsonFile.js';
import { readLog } from '../../services/store/jsonLines.js';
import { KeyedMutex } from '../../services/store/keyedMutex.js';
import { PRIVATE_FILE_MODE } from '../../services/store/privateFiles.js';

// The roster on the embedded engine: DATA_DIR/roster.jsonl (people edit it too, so it stays a
// text file) written durably, and an append-only, fsynced audit file. Changes are serialized in
// the process; the CLI's edits reach a running bot through the cache's time to live.

export class RosterFiles implements RosterStorage {
  private readonly writes = new KeyedMutex();

  constructor(
    readonly rosterFile: string,
    readonly auditFile: string,
  ) {}

  get location(): string {
    return this.rosterFile;
  }

  async read(): Promise<string> {
    // No file yet is an empty roster: the first grant (bootstrap or CLI) creates it.
    return (await readTextIfPresent(this.rosterFile)) ?? '';
  }

  change<T>(change: (text: string) => RosterTextChange<T>): Promise<T> {
    return this.writes.run('roster', async () => {
      const { next, audit, result } = change(await this.read());
      if (next === undefined) return result;
      await mkdir(dirname(this.rosterFile), { recursive: true });
      await writeFileDurably(this.rosterFile, next);
      await this.appendAudit(audit);
      return result;
    });
  }

  async auditTrail(onSkipped?: (entry: number, problem: string) => void): Promise<AuditEntry[]> {
    const text = await readTextIfPresent(this.auditFile);
    return text === undefined ? [] : readLog(text, AuditEntrySchema, onSkipped);
  }

  /** A file changes no one tells us about: readers rely on the cache's time to live. */
  watch(): void {}

  async close(): Promise<void> {
    await this.writes.run('roster', async () => undefined);
  }

  private async appendAudit(entries: AuditEntry[]): Promise<void> {
    if (!entries.length) return;
    await mkdir(dirname(this.auditFile), { recursive: true });
    // Append-only and fsynced: the trail must survive a crash right after the change.
    const handle = await open(this.auditFile, 'a+', PRIVATE_FILE_MODE);
    try {
      // After a crash mid-append the file ends in a torn line: start on a fresh one, so only it is lost.
      const { size } = await handle.stat();
      const last = size > 0 ? (await handle.read(Buffer.alloc(1), 0, 1, size - 1)).buffer.toString('utf8') : '\n';
      const lines = entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
      await handle.writeFile(last === '\n' ? lines : `\n${lines}`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
