import { join } from 'node:path';
import { z } from 'zod';
import { isDocumentConflict, type CollectionDefinition, type DocumentCollection, type DocumentStore } from '../services/store/documentStore.js';
import { readTextIfPresent } from '../services/store/durableJsonFile.js';

// Consent links are single use: once an opt-out went through, its token's id (`jti`) is recorded
// (durably, in the document store) until the token would have expired anyway, and a second use
// is refused. The record is created only if absent, so with STORE=postgres one use wins across
// every instance.

const UsedTokenSchema = z.object({ expiresAt: z.number() });
type UsedToken = z.infer<typeof UsedTokenSchema>;

/** The previous version's file: one JSON object, jti to expiry (epoch ms). */
const PreviousFileSchema = z.record(z.string(), z.number());

const USED_TOKENS: CollectionDefinition<UsedToken> = {
  name: 'consent/used-tokens',
  schema: UsedTokenSchema,
  legacy: {
    async read(dataDir) {
      const path = join(dataDir, 'consent', 'used-tokens.json');
      const text = await readTextIfPresent(path);
      if (text === undefined) return undefined;
      const used = PreviousFileSchema.parse(JSON.parse(text));
      return { documents: Object.entries(used).map(([key, expiresAt]) => ({ key, value: { expiresAt }, expiresAt })), paths: [path] };
    },
  },
};

export class UsedConsentTokens {
  private constructor(private readonly used: DocumentCollection<UsedToken>) {}

  static async open(documents: DocumentStore): Promise<UsedConsentTokens> {
    return new UsedConsentTokens(await documents.collection(USED_TOKENS));
  }

  async has(nonce: string): Promise<boolean> {
    return (await this.used.get(nonce)) !== undefined;
  }

  /**
   * Records a use; false when the token was used already (by this or another instance). Records
   * past their expiry are dropped on the way.
   */
  async markUsed(nonce: string, expiresAt: Date): Promise<boolean> {
    let first = true;
    try {
      await this.used.put(nonce, { expiresAt: expiresAt.getTime() }, { ifNoneMatch: true, expiresAt: expiresAt.getTime() });
    } catch (error) {
      if (!isDocumentConflict(error)) throw error;
      first = false;
    }
    await this.used.sweepExpired();
    return first;
  }
}
