import { join } from 'node:path';
import { ConsentTokens, loadConsentSecret } from './consentTokens.js';
import { UsedConsentTokens } from './usedConsentTokens.js';

// The consent link machinery, from the directory configuration: the signing secret (configured
// or kept under DATA_DIR) and the record of links already used.

export interface ConsentLinks {
  tokens: ConsentTokens;
  usedTokens: UsedConsentTokens;
}

export async function openConsentLinks(config: { dataDir: string; consentSecret?: string }): Promise<ConsentLinks> {
  const secret = await loadConsentSecret(config.dataDir, config.consentSecret);
  return {
    tokens: new ConsentTokens(secret),
    usedTokens: new UsedConsentTokens(join(config.dataDir, 'consent', 'used-tokens.json')),
  };
}
