import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { RoleSchema } from '../actor.js';
import type { Clock } from '../clock.js';
import { writeFileDurably } from '../store/durableJsonFile.js';
import { KeyedMutex } from '../store/keyedMutex.js';
import { readLog } from '../store/jsonLines.js';
import { parseRoster, serializeRoster, type Roster } from './roster.js';
import { PRIVATE_FILE_MODE } from '../store/privateFiles.js';

// The roster file and its audit trail. Reads are cached for a short time, so edits made by the
// CLI reach a running bot within the TTL; every change re-reads the file, is written durably
// (temporary file, fsync, rename) and then appended to the audit file.

const AuditActionSchema = z.enum(['add-organisation', 'update-organisation', 'grant', 'revoke']);
export type AuditAction = z.infer<typeof AuditActionSchema>;

/** One line of the append-only audit file: who did what to whom, when, and through what. */
const AuditEntrySchema = z.object({
  at: z.string(),
  action: AuditActionSchema,
  by: z.object({ userId: z.string(), tenantId: z.string().optional(), roles: z.array(RoleSchema).optional() }),
  source: z.enum(['chat', 'cli', 'bootstrap']),
  tenantId: z.string(),
  target: z.object({ userId: z.string().optional(), email: z.string().optional() }).optional(),
  role: RoleSchema.optional(),
  organisation: z.object({ name: z.string(), partnerIds: z.array(z.string()) }).optional(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** What a change returns: the next roster (or `unchanged`), its audit entries and a result. */
export type RosterMutation<T> = (current: Roster) => {
  next: Roster | 'unchanged';
  audit: Omit<AuditEntry, 'at'>[];
  result: T;
};

export interface RosterStoreOptions {
  rosterFile: string;
  auditFile: string;
  cacheTtlMs?: number;
  clock: Clock;
}

export class RosterStore {
  readonly rosterFile: string;
  readonly auditFile: string;
  private readonly cacheTtlMs: number;
  private readonly clock: Clock;
  private readonly writes = new KeyedMutex();
  private cached: { roster: Roster; readAt: number } | undefined;

  constructor(options: RosterStoreOptions) {
    this.rosterFile = options.rosterFile;
    this.auditFile = options.auditFile;
    this.cacheTtlMs = options.cacheTtlMs ?? 60_000;
    this.clock = options.clock;
  }

  /** Reads and validates the file now; a malformed roster throws a RosterFormatError naming the line. */
  async load(): Promise<Roster> {
    let text: string;
    try {
      text = await readFile(this.rosterFile, 'utf8');
    } catch (error) {
      // No file yet is an empty roster: the first grant (bootstrap or CLI) creates it.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      text = '';
    }
    const roster = parseRoster(text, this.rosterFile);
    this.cached = { roster, readAt: this.clock.now().getTime() };
    return roster;
  }

  /** The roster, from the cache while it is younger than the TTL. */
  async current(): Promise<Roster> {
    const cached = this.cached;
    if (cached && this.clock.now().getTime() - cached.readAt < this.cacheTtlMs) return cached.roster;
    return this.load();
  }

  /** Runs one change on the freshly read roster; writes and audits it unless it is `unchanged`. */
  async change<T>(mutation: RosterMutation<T>): Promise<T> {
    return this.writes.run('roster', async () => {
      const current = await this.load();
      const { next, audit, result } = mutation(structuredClone(current));
      if (next === 'unchanged') return result;
      // Re-parse what is about to be written, so a change can never store a roster that would
      // stop the next start-up.
      const text = serializeRoster(next);
      parseRoster(text, this.rosterFile);
      await mkdir(dirname(this.rosterFile), { recursive: true });
      await writeFileDurably(this.rosterFile, text);
      this.cached = { roster: next, readAt: this.clock.now().getTime() };
      const at = this.clock.now().toISOString();
      await this.appendAudit(audit.map((entry) => ({ at, ...entry })));
      return result;
    });
  }

  /** The audit trail, oldest first; a damaged line is skipped and reported to `onSkipped`. */
  async auditTrail(onSkipped?: (line: number, problem: string) => void): Promise<AuditEntry[]> {
    let text: string;
    try {
      text = await readFile(this.auditFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return readLog(text, AuditEntrySchema, onSkipped);
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
