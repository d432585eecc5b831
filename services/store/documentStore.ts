import type { z } from 'zod';

// A keyed document store with eTags, organised in named collections: the port behind the stores
// that are not claims (conversation references, card copies, the delivery journal, used consent
// tokens). Each collection names a zod schema (stored data is parsed on every read) and a function
// deriving equality-indexed tags from a document, so lookups are `find({ tenantId, userId })`.
// Conditional writes give optimistic concurrency across instances: `ifMatch` updates only the
// version read, `ifNoneMatch` creates only. Engines: storage/files and storage/postgres.

/** Attributes a document is found by, compared for equality. */
export type Tags = Record<string, string | number | boolean>;

export interface CollectionDefinition<T> {
  /**
   * The collection's name, also its folder under DATA_DIR in the files engine ("proactive/card-copies").
   * Lower case letters, digits, dashes, slashes.
   */
  name: string;
  schema: z.ZodType<T>;
  /**
   * What `find` can match on; recomputed on every write. The files engine keeps the values of a
   * collection with tags in memory (find reads them) and reads the others from their files by key.
   */
  tags?: (value: T) => Tags;
  /**
   * The key a document names itself, for the files engine to index a file written before
   * documents were wrapped with their key (the previous version's one file per key layout).
   */
  keyOf?: (value: T) => string;
  /** The previous version's own file layout under DATA_DIR, imported once by the files engine. */
  legacy?: LegacyImport<T>;
}

export interface LegacyImport<T> {
  /** What the previous version left under `dataDir`, or undefined when it left nothing. */
  read(dataDir: string, report: (problem: string) => void): Promise<LegacyContent<T> | undefined>;
}

export interface LegacyContent<T> {
  documents: Array<{ key: string; value: T; expiresAt?: number }>;
  /** Files or folders to remove once every document is stored in the new layout. */
  paths: string[];
}

export interface StoredDocument<T> {
  key: string;
  value: T;
  eTag: string;
  /** Epoch ms (the Clock's) after which the document is gone. */
  expiresAt?: number;
}

export interface PutOptions {
  /** Write only if the stored eTag is still this one (a conflict otherwise, also when it is gone). */
  ifMatch?: string;
  /** Create only: a conflict when a live document has this key. */
  ifNoneMatch?: boolean;
  /** Epoch ms of the Clock; the document reads as absent from then on and a sweep deletes it. */
  expiresAt?: number;
}

export interface DocumentCollection<T> {
  get(key: string): Promise<StoredDocument<T> | undefined>;
  /** Returns the new eTag; throws DocumentConflictError when a condition does not hold. */
  put(key: string, value: T, options?: PutOptions): Promise<string>;
  /** True when something was deleted; with `ifMatch`, a conflict unless that version is stored. */
  delete(key: string, options?: { ifMatch?: string }): Promise<boolean>;
  /** Live documents whose tags include every one given, ordered by key. `{}` lists the collection. */
  find(tags: Tags): Promise<Array<StoredDocument<T>>>;
  /** Deletes documents whose expiry has passed by the Clock; returns how many. */
  sweepExpired(): Promise<number>;
  /**
   * Adds `entries` at the end of a list document (an empty list when it is absent or expired) and
   * keeps its last `keep`; returns the new eTag. Unconditional, and it neither reads nor rewrites
   * what is stored, so a list that gains an entry at a time costs one short write per entry.
   * Only for a collection without tags whose schema is a list without checks of its own.
   */
  append(key: string, entries: Array<ListEntry<T>>, keep: number): Promise<string>;
}

/** An entry of a list document; `never` for a document that is no list. */
export type ListEntry<T> = T extends ReadonlyArray<infer Entry> ? Entry : never;

export interface DocumentStore {
  /** Opens a collection (the files engine loads it on first use; opening again returns it). */
  collection<T>(definition: CollectionDefinition<T>): Promise<DocumentCollection<T>>;
}

/** A conditional write whose condition no longer holds: read again and decide again. */
export class DocumentConflictError extends Error {
  constructor(
    readonly collection: string,
    readonly key: string,
    readonly reason: 'changed' | 'exists',
  ) {
    super(`document ${collection}/${key} ${reason === 'exists' ? 'exists already' : 'changed since it was read'}`);
    this.name = 'DocumentConflictError';
  }
}

export function isDocumentConflict(error: unknown): error is DocumentConflictError {
  return error instanceof DocumentConflictError;
}

const COLLECTION_NAME = /^[a-z0-9-]+(\/[a-z0-9-]+)*$/;

export function assertCollectionName(name: string): void {
  if (!COLLECTION_NAME.test(name)) throw new Error(`"${name}" is not a collection name`);
}

/** Whether `tags` has every attribute of `wanted`. */
export function tagsMatch(tags: Tags, wanted: Tags): boolean {
  return Object.entries(wanted).every(([name, value]) => tags[name] === value);
}

/**
 * Reads, changes and writes one document until no other writer came in between (each attempt
 * conditional on what it read). `change` returns undefined to leave the document as it is.
 */
export async function updateDocument<T>(
  collection: DocumentCollection<T>,
  key: string,
  change: (current: StoredDocument<T> | undefined) => { value: T; expiresAt?: number } | undefined,
): Promise<{ written: boolean; document: StoredDocument<T> | undefined }> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await collection.get(key);
    const next = change(current);
    if (!next) return { written: false, document: current };
    try {
      const eTag = await collection.put(key, next.value, {
        ...(current ? { ifMatch: current.eTag } : { ifNoneMatch: true }),
        ...(next.expiresAt !== undefined ? { expiresAt: next.expiresAt } : {}),
      });
      return { written: true, document: { key, value: next.value, eTag, ...(next.expiresAt !== undefined ? { expiresAt: next.expiresAt } : {}) } };
    } catch (error) {
      // Writers racing on one key settle in a few rounds; endless conflicts mean a bug.
      if (!isDocumentConflict(error) || attempt >= 20) throw error;
    }
  }
}
