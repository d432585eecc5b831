import { join } from 'node:path';
import { LinkTokens, loadLinkSecret } from '../services/linkTokens.js';
import type { BlobStore } from '../services/store/blobStore.js';
import { UsedConsentTokens } from './usedConsentTokens.js';

// The consent link machinery, from the directory configuration: the signing secret (configured
// or kept in the blob store; PoE links are signed with it too, for another audience) and the record
// of links already used.

export interface ConsentLinks {
  tokens: LinkTokens;
  usedTokens: UsedConsentTokens;
}

export async function openConsentLinks(config: { dataDir: string; consentSecret?: string }, blobs: BlobStore): Promise<ConsentLinks> {
  const secret = await loadLinkSecret(blobs, config.consentSecret);
  return {
    tokens: new LinkTokens(secret),
    usedTokens: new UsedConsentTokens(join(config.dataDir, 'consent', 'used-tokens.json')),
  };
}
