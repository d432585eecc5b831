import { LinkTokens, loadLinkSecret } from '../services/linkTokens.js';
import type { BlobStore } from '../services/store/blobStore.js';
import type { DocumentStore } from '../services/store/documentStore.js';
import { UsedConsentTokens } from './usedConsentTokens.js';

// The consent link machinery, from the directory configuration: the signing secret (configured
// or kept in the blob store; PoE links are signed with it too, for another audience) and the record
// of links already used (in the document store).

export interface ConsentLinks {
  tokens: LinkTokens;
  usedTokens: UsedConsentTokens;
}

export async function openConsentLinks(
  config: { dataDir: string; consentSecret?: string },
  stores: { blobs: BlobStore; documents: DocumentStore },
): Promise<ConsentLinks> {
  const secret = await loadLinkSecret(stores.blobs, config.consentSecret);
  return {
    tokens: new LinkTokens(secret),
    usedTokens: await UsedConsentTokens.open(stores.documents),
  };
}
