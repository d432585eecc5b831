// Bytes kept by name: proof-of-execution files, consent mails written for a local run, the link
// signing secret. Names are relative paths such as `poe/CPOR-2026-000001/<uuid>-contract.pdf`.
// Engines in storage/: files under DATA_DIR (the same paths as ever) and a PostgreSQL table, so
// any instance can serve a file another instance took in.

export interface BlobStore {
  /** Stores bytes under a name not taken yet; false (and nothing written) when the name exists. */
  create(name: string, bytes: Uint8Array): Promise<boolean>;
  /** Stores bytes under a name, replacing what was there. */
  put(name: string, bytes: Uint8Array): Promise<void>;
  /** The bytes, or undefined when nothing is stored under the name. */
  get(name: string): Promise<Buffer | undefined>;
  /** Forgets a name; nothing happens when it was not there. */
  remove(name: string): Promise<void>;
  /** Where an operator finds the blob (a file path, a table row). */
  locationOf(name: string): string;
}

/** Largest blob either engine takes: PoE files are limited well below this by the policy. */
export const MAX_BLOB_BYTES = 32 * 1024 * 1024;

const NAME = /^[\w-][\w.-]*(\/[\w-][\w.-]*)*$/;

/** Refuses names that could leave the store's root or mean different things to two engines. */
export function checkBlobName(name: string): string {
  if (!NAME.test(name) || name.length > 500 || name.split('/').some((part) => part === '.' || part === '..')) {
    throw new Error(`"${name}" is not a valid blob name`);
  }
  return name;
}

export function checkBlobSize(name: string, bytes: Uint8Array): void {
  if (bytes.byteLength > MAX_BLOB_BYTES) throw new Error(`${name}: ${bytes.byteLength} bytes is more than a blob may hold (${MAX_BLOB_BYTES})`);
}
