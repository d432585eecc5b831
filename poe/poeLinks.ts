import { z } from 'zod';
import { relationOf } from '../services/access.js';
import type { Actor } from '../services/actor.js';
import type { Clock } from '../services/clock.js';
import type { LinkPurpose, LinkTokens } from '../services/linkTokens.js';
import type { Claim } from '../services/model.js';

// The links a claim card shows to its proof-of-execution files: one signed token per file
// (services/linkTokens.ts, the consent links' key under its own audience) naming the claim, the
// file and the reader, valid for half an hour. poeFileRoute.ts serves them. Every card of a claim
// carries them (the clicked card, each posted copy, each refresh), so the same reader gets the same
// link for a while: time is cut into windows of half a lifetime, and a link expires a lifetime
// after its window began. It still works for at least half its lifetime when shown. Signing is
// deterministic, so the link is worked out again rather than kept: no memory per link, and the
// same link from every instance and after a restart.

const PoeFileClaims = z.object({
  /** the claim and the file */
  cid: z.string().regex(/^CPOR-\d{4}-\d{6,}$/),
  fid: z.string().min(1).max(200),
  /** the reader: AAD object id and tenant */
  sub: z.string().min(1).max(128),
  tid: z.string().min(1).max(128),
});

export const POE_FILE: LinkPurpose<z.infer<typeof PoeFileClaims>> = { audience: 'cpor:poe-file', claims: PoeFileClaims };

export interface PoeLinksDeps {
  tokens: LinkTokens;
  clock: Clock;
  /** Where links point: the bot's public base URL (read when a link is made: the port may be bound late). */
  baseUrl: () => string;
  /** How long a link works; cards are refreshed (and get new links) when they are viewed. */
  ttlMs?: number;
}

const DEFAULT_TTL_MS = 30 * 60 * 1000;
/** Makes the links a claim card shows its reader; none for readers who may not open the files. */
export class PoeLinks {
  constructor(private readonly deps: PoeLinksDeps) {}

  async linksFor(actor: Actor, claim: Claim): Promise<Record<string, string>> {
    if (!mayOpen(actor, claim)) return {};
    const links = claim.poe.map(async (file) => {
      const token = await this.tokenFor({ cid: claim.id, fid: file.id, sub: actor.userId, tid: actor.tenantId });
      return [file.id, `${this.deps.baseUrl()}/poe/${token}`] as const;
    });
    return Object.fromEntries(await Promise.all(links));
  }

  private async tokenFor(claims: z.infer<typeof PoeFileClaims>): Promise<string> {
    const ttlMs = this.deps.ttlMs ?? DEFAULT_TTL_MS;
    const now = this.deps.clock.now().getTime();
    // The window of `now` itself: a clock moved back gets an earlier expiry, never a later one.
    const windowStart = Math.floor(now / (ttlMs / 2)) * (ttlMs / 2);
    return this.deps.tokens.sign(POE_FILE, claims, new Date(windowStart + ttlMs));
  }
}

/** The claim's partner and the reviewers; not the customer, whose notice is about the association. */
export function mayOpen(actor: Actor, claim: Claim): boolean {
  const relation = relationOf(actor, claim);
  return relation === 'partner' || relation === 'reviewer';
}
