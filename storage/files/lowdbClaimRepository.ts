import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { DomainError } from '../../services/errors.js';
import { ClaimDocumentSchema, type ClaimDocument, type Status } from '../../services/model.js';
import { checkForStorage } from '../checkedDocument.js';
import { ClaimIndex } from './claimIndex.js';
import { InProcessLeases } from './inProcessLeases.js';
import type {
  AlertLeaseScope,
  ClaimPage,
  ClaimScope,
  ClaimRepository,
  ClaimSearch,
  ClaimSummary,
  PendingAlerts,
  DocumentMutation,
  DueTimer,
  LeaseKind,
  LeaseTerms,
} from '../../services/claimRepository.js';
import { deepFreeze } from '../../services/store/deepFreeze.js';
import { RecentlyUsed } from '../../services/store/recentlyUsed.js';
import { DurableJsonFile, parseJsonText, removeFileDurably, writeTextWithDigest } from '../../services/store/durableJsonFile.js';
import { readWithDigest } from '../../services/store/durableWriteThreads.js';
import { KeyedMutex } from '../../services/store/keyedMutex.js';

// The embedded store: one lowdb document per claim under DATA_DIR/claims, so the cost of an
// update does not grow with the number of claims. A claim and the alerts its change caused live
// in the same document and are written together, atomically. Documents are kept parsed and
// frozen: a read or a mutation shares the cached document instead of copying it, and a caller
// that tried to change one would throw. A file's schema check is done once per content: the
// digest of the text last checked (at start or when written) is kept per claim in the index, so
// a document that left the cache is read back with JSON.parse alone when its file is unchanged.

const ID_FILE = /^CPOR-\d{4}-\d{6,}\.json$/;
const TEMPORARY_FILE = /\.tmp$/;

export interface LowdbClaimRepositoryOptions {
  dataDir: string;
  /**
   * Documents kept parsed in memory, up to this many bytes of their JSON files (the least recently
   * used leave first); the index always holds every claim. A parsed claim takes about 1.6 times
   * its file's size in the heap, and V8 sizes its heap at a few times what is live, so this bound
   * is what the cache costs in RSS, whatever the claims' sizes.
   */
  cacheBytes?: number;
}

/**
 * About 375 claims of the usual size (11 kB: in review, with PoE and history), enough for the
 * claims people are working on. A miss costs about 1 ms (read, JSON, schema) against 0.2 ms for
 * a hit; each MiB of budget is about 1.6 MB of heap and, under load, 5 to 6 MB of RSS (V8 lets
 * the heap grow to a few times what is live), measured in the soak (bench/README.md).
 */
export const DEFAULT_CLAIM_CACHE_BYTES = 4 * 1024 * 1024;

/** A claim's file as read. */
interface ReadClaim {
  document: ClaimDocument;
  /** Its length. */
  bytes: number;
  /** The digest of its text (`fileDigest`), kept as that of the text last checked against the schema. */
  digest: number;
}

export class LowdbClaimRepository implements ClaimRepository {
  private readonly dataDir: string;
  private readonly claimsDir: string;
  private readonly sequence: Low<Record<string, number>>;
  private readonly index = new ClaimIndex();
  /** Documents by claim id, weighing their files' lengths: the least recently used leave first, one larger than the whole budget is not kept. */
  private readonly cache: RecentlyUsed<ClaimDocument>;
  private readonly locks = new KeyedMutex();
  private readonly leases: Record<LeaseKind, InProcessLeases> = { timers: new InProcessLeases(), alerts: new InProcessLeases() };
  /** The highest sequence number of the stored ids, per year. */
  private readonly highestOnDisk = new Map<string, number>();
  private opened = false;

  constructor(options: LowdbClaimRepositoryOptions) {
    this.dataDir = options.dataDir;
    this.claimsDir = join(options.dataDir, 'claims');
    this.cache = new RecentlyUsed(options.cacheBytes ?? DEFAULT_CLAIM_CACHE_BYTES);
    this.sequence = new Low(new DurableJsonFile<Record<string, number>>(join(options.dataDir, 'sequence.json')), {});
  }

  async open(): Promise<void> {
    await mkdir(this.claimsDir, { recursive: true });
    // A temporary file is a write that never got renamed, so it was never acknowledged.
    await removeTemporaryFiles(this.dataDir);
    await removeTemporaryFiles(this.claimsDir);
    await this.sequence.read();
    const names = await readdir(this.claimsDir);
    const claimFiles = names.filter((name) => ID_FILE.test(name));
    // Sixteen files in flight read as fast as 64: for 26,756 claims, 3.1 s against 3.3 s. With 64,
    // enough texts and documents were in hand at each young-generation collection to be promoted:
    // the open left the heap at 149 MB (116 used, 38 live) and RSS at 263 MB; with 16, at 81 MB and
    // 196 MB. A heap grown once is kept by V8, so this is RSS for the process's life.
    const batch = 16;
    for (let start = 0; start < claimFiles.length; start += batch) {
      // Each document is indexed as soon as it is read, so only its summary outlives the read.
      // Held until their whole batch was read, the documents were often promoted to the old
      // generation: for 23,000 claims, 345 MB promoted in 2 starts of 5 (100 MB otherwise), and
      // the heap then kept 280 MB, where it keeps 170.
      await Promise.all(claimFiles.slice(start, start + batch).map(async (name) => this.indexStored(await this.readFile(name))));
    }
    this.opened = true;
  }

  private indexStored({ document, digest }: ReadClaim): void {
    this.index.put(document, digest);
    const [, year = '', sequence = '0'] = document.claim.id.split('-');
    this.highestOnDisk.set(year, Math.max(this.highestOnDisk.get(year) ?? 0, Number(sequence)));
  }

  async close(): Promise<void> {
    await this.locks.idle();
  }

  async allocateId(at: Date): Promise<string> {
    return this.locks.run('sequence.json', async () => {
      const year = String(at.getUTCFullYear());
      const counters = this.sequence.data;
      const stored = counters[year] ?? 0;
      // Never below an id already on disk, even if the counter file was restored from an old copy.
      const next = Math.max(stored, this.highestOnDisk.get(year) ?? 0) + 1;
      this.sequence.data = { ...counters, [year]: next };
      await this.sequence.write();
      return `CPOR-${year}-${String(next).padStart(6, '0')}`;
    });
  }

  async get(id: string): Promise<ClaimDocument | undefined> {
    if (!this.index.has(id)) return undefined;
    // Under the claim's lock, so a read of the file cannot race a write and cache the old one.
    return this.locks.run(id, () => this.load(id));
  }

  async insert(document: ClaimDocument): Promise<void> {
    this.assertOpen();
    const id = document.claim.id;
    await this.locks.run(id, async () => {
      if (this.index.has(id)) throw new DomainError('invalid-transition', { claimId: id });
      await this.write(document);
    });
  }

  async update<T>(id: string, mutation: DocumentMutation<T>): Promise<T> {
    this.assertOpen();
    return this.locks.run(id, async () => {
      if (!this.index.has(id)) throw new DomainError('not-found', { claimId: id });
      const current = await this.load(id);
      // One process holds the files: the reads are the repository's own.
      const { next, result } = await mutation(current, this);
      if (next === 'delete') {
        await removeFileDurably(this.pathOf(id));
        this.index.remove(id);
        this.cache.delete(id);
        this.leases.timers.forget(id);
        this.leases.alerts.forget(id);
      } else if (next !== 'unchanged') {
        if (next.claim.id !== id) throw new Error(`a mutation of ${id} returned ${next.claim.id}`);
        await this.write(next, current);
      }
      return result;
    });
  }

  async save(document: ClaimDocument, expectedVersion: number): Promise<void> {
    await this.update(document.claim.id, (current) => {
      if (current.claim.version !== expectedVersion) {
        throw new DomainError('stale-version', { claimId: document.claim.id, version: current.claim.version });
      }
      return { next: document, result: undefined };
    });
  }

  async summary(id: string): Promise<ClaimSummary | undefined> {
    return this.index.get(id);
  }

  async summaries(ids: readonly string[]): Promise<ClaimSummary[]> {
    return ids.map((id) => this.index.get(id)).filter((summary) => summary !== undefined);
  }

  async pageOf(scope: ClaimScope, page: ClaimPage): Promise<{ total: number; ids: string[] }> {
    return this.index.pageOf(scope, page);
  }

  async pendingAlertsOf(ids: readonly string[]): Promise<Map<string, PendingAlerts>> {
    const pending = new Map<string, PendingAlerts>();
    for (const id of ids) {
      const alerts = this.index.pendingAlertsOf(id);
      if (alerts) pending.set(id, alerts);
    }
    return pending;
  }

  async idsInStatuses(statuses: readonly Status[]): Promise<string[]> {
    return this.index.idsInStatuses(statuses);
  }

  async idsToPrecheck(statuses: readonly Status[], settled: readonly string[]): Promise<string[]> {
    return this.index.idsToPrecheck(statuses, settled);
  }

  async activeIdsForKey(recordKey: string): Promise<string[]> {
    return this.index.activeIdsForKey(recordKey);
  }

  async searchIds(search: ClaimSearch): Promise<string[]> {
    return this.index.search(search);
  }

  async nextDue(): Promise<DueTimer | undefined> {
    return this.index.nextDue();
  }

  async idsWithPendingAlerts(limit?: number): Promise<string[]> {
    return this.index.idsWithPendingAlerts(limit);
  }

  async leaseDueTimers(terms: LeaseTerms & { limit: number }): Promise<DueTimer[]> {
    const due = [...this.index.dueTimers(terms.now.getTime())];
    const dueAt = new Map(due.map((timer) => [timer.claimId, timer.dueAt]));
    return this.leases.timers.take(dueAt.keys(), terms).map((claimId) => ({ claimId, dueAt: dueAt.get(claimId)! }));
  }

  async leasePendingAlerts(terms: LeaseTerms & { limit: number } & AlertLeaseScope): Promise<string[]> {
    const candidates = terms.among ? this.index.withPendingAlertsAmong(terms.among) : this.index.claimsWithPendingAlerts();
    return this.leases.alerts.take(candidates, terms);
  }

  async renewLeases(kind: LeaseKind, claimIds: readonly string[], terms: LeaseTerms): Promise<string[]> {
    return this.leases[kind].renew(claimIds, terms);
  }

  async idsLeasedTo(kind: LeaseKind, owner: string, now: Date): Promise<string[]> {
    return this.leases[kind].heldBy(owner, now);
  }

  async releaseLeases(kind: LeaseKind, claimIds: readonly string[], owner: string): Promise<void> {
    this.leases[kind].release(claimIds, owner);
  }

  async count(): Promise<number> {
    return this.index.size;
  }

  /** What the document cache holds now (for tests and health). */
  cacheUse(): { documents: number; bytes: number } {
    return { documents: this.cache.size, bytes: this.cache.weight };
  }

  /** Stores `document`, checked against the schema where it differs from `previous` (the stored one). */
  private async write(document: ClaimDocument, previous?: ClaimDocument): Promise<void> {
    // Checked before it reaches disk: a document the schema refuses would stop the next start.
    // The schema's output is a new tree, apart from the entries shared with `previous` (already
    // frozen) and the caller's free-form values (alert data), which are frozen with it.
    const checked = checkForStorage(document, previous);
    if ('problem' in checked) throw invalid(this.pathOf(document.claim.id), checked.problem);
    const stored = deepFreeze(checked.document);
    // The JSON lowdb's adapter (DurableJsonFile) writes, made here once so its length sizes the cache.
    const text = JSON.stringify(stored);
    const digest = await writeTextWithDigest(this.pathOf(document.claim.id), text);
    this.index.put(stored, digest);
    this.cache.set(stored.claim.id, stored, text.length);
  }

  private async load(id: string): Promise<ClaimDocument> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const { document, bytes, digest } = await this.readFile(`${id}.json`, this.index.checkedDigestOf(id));
    this.index.noteCheckedDigest(id, digest);
    deepFreeze(document);
    this.cache.set(document.claim.id, document, bytes);
    return document;
  }

  /** A claim file's document: checked against the schema unless its text is the one last checked (its digest, returned). */
  private async readFile(name: string, checkedDigest?: number): Promise<ReadClaim> {
    const path = join(this.claimsDir, name);
    const read = await readWithDigest(path);
    if (read === undefined) throw new DomainError('not-found', { file: path });
    const { text, digest } = read;
    const value = parseJsonText(path, text);
    const document = digest === checkedDigest ? (value as ClaimDocument) : parseStored(path, value);
    return { document, bytes: text.length, digest };
  }

  private pathOf(id: string): string {
    return join(this.claimsDir, `${id}.json`);
  }

  private assertOpen(): void {
    if (!this.opened) throw new Error('the claim store is not open');
  }
}

async function removeTemporaryFiles(folder: string): Promise<void> {
  const names = await readdir(folder);
  await Promise.all(names.filter((name) => TEMPORARY_FILE.test(name)).map((name) => unlink(join(folder, name))));
}

function parseStored(path: string, value: unknown): ClaimDocument {
  const parsed = ClaimDocumentSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(path, { at: issue?.path.join('.') || '?', message: issue?.message ?? '' });
  }
  return parsed.data;
}

function invalid(path: string, problem: { at: string; message: string }): Error {
  return new Error(`stored claim ${path} is invalid at ${problem.at}: ${problem.message}`);
}
