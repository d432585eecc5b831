import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { writeFileDurably } from '../services/store/durableJsonFile.js';
import { KeyedMutex } from '../services/store/keyedMutex.js';

// Consent links are single use: once an opt-out went through, its token's id (`jti`) is recorded
// here (durably) until the token would have expired anyway, and a second use is refused.

const UsedSchema = z.record(z.string(), z.number());

export class UsedConsentTokens {
  private readonly writes = new KeyedMutex();
  private used: Map<string, number> | undefined;

  constructor(private readonly path: string) {}

  async has(nonce: string): Promise<boolean> {
    return (await this.load()).has(nonce);
  }

  /** Records a use; entries past their expiry are dropped on the way. */
  async markUsed(nonce: string, expiresAt: Date, now: Date): Promise<void> {
    await this.writes.run('used', async () => {
      const used = await this.load();
      used.set(nonce, expiresAt.getTime());
      for (const [key, expiry] of used) if (expiry <= now.getTime()) used.delete(key);
      await mkdir(dirname(this.path), { recursive: true });
      await writeFileDurably(this.path, JSON.stringify(Object.fromEntries(used)));
    });
  }

  private async load(): Promise<Map<string, number>> {
    if (this.used) return this.used;
    try {
      this.used = new Map(Object.entries(UsedSchema.parse(JSON.parse(await readFile(this.path, 'utf8')))));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.used = new Map();
    }
    return this.used;
  }
}
