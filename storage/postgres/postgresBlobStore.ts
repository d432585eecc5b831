import type pg from 'pg';
import { checkBlobName, checkBlobSize, type BlobStore } from '../../services/store/blobStore.js';
import { translate } from './pool.js';

// Blobs in the `blobs` table (bytea). Sizes are bounded (MAX_BLOB_BYTES), so a row is read and
// written whole; `create` relies on the primary key, so two instances creating one name at once
// store it once.

export class PostgresBlobStore implements BlobStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(name: string, bytes: Uint8Array): Promise<boolean> {
    checkBlobSize(name, bytes);
    const { rowCount } = await this.pool
      .query('INSERT INTO blobs (name, size, bytes) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING', [
        checkBlobName(name),
        bytes.byteLength,
        Buffer.from(bytes),
      ])
      .catch(translate);
    return rowCount === 1;
  }

  async put(name: string, bytes: Uint8Array): Promise<void> {
    checkBlobSize(name, bytes);
    await this.pool
      .query('INSERT INTO blobs (name, size, bytes) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET size = excluded.size, bytes = excluded.bytes', [
        checkBlobName(name),
        bytes.byteLength,
        Buffer.from(bytes),
      ])
      .catch(translate);
  }

  async get(name: string): Promise<Buffer | undefined> {
    const { rows } = await this.pool.query<{ bytes: Buffer }>('SELECT bytes FROM blobs WHERE name = $1', [checkBlobName(name)]).catch(translate);
    return rows[0]?.bytes;
  }

  async remove(name: string): Promise<void> {
    await this.pool.query('DELETE FROM blobs WHERE name = $1', [checkBlobName(name)]).catch(translate);
  }

  locationOf(name: string): string {
    return `postgres:blobs/${checkBlobName(name)}`;
  }
}
