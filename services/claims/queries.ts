import { assertCanView, relationOf } from '../access.js';
import { isPartnerRole, type Actor } from '../actor.js';
import type { ClaimRepository } from '../claimRepository.js';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Claim, ClaimDocument, DeadlineName, HistoryEntry, Status } from '../model.js';
import type { RecordKeyHolders } from './recordKeys.js';
import { checksDuplicates } from './rules.js';

// What a viewer may read of claims: one claim, its history, a partner's list, the review queue.

const REVIEW_STATUSES: readonly Status[] = ['Submitted', 'InReview', 'Disputed'];
/** Longer than any id, domain or name a search needs. */
const MAX_SEARCH_LENGTH = 100;

export interface QueueItem {
  claim: Claim;
  /** The SLA deadline of the claim's current status. */
  slaDue?: string;
  ageMs: number;
  overdue: boolean;
  competingWith: string[];
  ownOrganisation: boolean;
}

export class ClaimQueries {
  constructor(
    private readonly repository: ClaimRepository,
    private readonly clock: Clock,
    private readonly keyHolders: RecordKeyHolders,
  ) {}

  async get(actor: Actor, claimId: string): Promise<Claim> {
    const document = await this.load(claimId);
    assertCanView(actor, document.claim);
    // What the duplicate guard needs, read now so that allowedActions can answer synchronously.
    if (checksDuplicates(document.claim)) {
      this.keyHolders.remember(document.claim, await this.keyHolders.of(document.claim));
    }
    return document.claim;
  }

  async history(actor: Actor, claimId: string): Promise<HistoryEntry[]> {
    const document = await this.load(claimId);
    if (assertCanView(actor, document.claim) === 'customer') {
      throw new DomainError('not-allowed', { claimId, action: 'history' });
    }
    return document.claim.history;
  }

  /** The actor's organisation's claims, most recently changed first. */
  async listForPartner(
    actor: Actor,
    options: { statuses?: readonly Status[]; limit?: number; offset?: number } = {},
  ): Promise<{ total: number; claims: Claim[] }> {
    const organisation = actor.organisation;
    if (!organisation || !actor.roles.some(isPartnerRole)) throw new DomainError('not-allowed', { action: 'list' });
    const { total, ids } = await this.repository.pageOf(
      { partnerTenantId: organisation.tenantId },
      {
        order: 'newest',
        ...(options.statuses ? { statuses: options.statuses } : {}),
        offset: options.offset ?? 0,
        limit: options.limit ?? 20,
      },
    );
    const claims = await Promise.all(ids.map(async (id) => (await this.load(id)).claim));
    return { total, claims };
  }

  /**
   * Claims found by id, customer (domain, tenant, contact) or partner: a reviewer's among all, a
   * partner's among their organisation's; most recently changed first. Empty text: the latest.
   */
  async search(actor: Actor, text: string, options: { limit?: number } = {}): Promise<Claim[]> {
    const reviewer = actor.roles.includes('reviewer');
    const organisation = actor.roles.some(isPartnerRole) ? actor.organisation : undefined;
    if (!reviewer && !organisation) throw new DomainError('not-allowed', { action: 'search' });
    const ids = await this.repository.searchIds({
      text: text.trim().slice(0, MAX_SEARCH_LENGTH),
      scope: reviewer ? 'all' : { partnerTenantId: organisation!.tenantId },
      limit: options.limit ?? 25,
    });
    const documents = await Promise.all(ids.map((id) => this.repository.get(id)));
    return documents.filter((document) => document !== undefined && canView(actor, document.claim)).map((document) => document!.claim);
  }

  /** Claims waiting for a reviewer, oldest first, with SLA age and competing claims. */
  async reviewQueue(actor: Actor, options: { limit?: number } = {}): Promise<QueueItem[]> {
    if (!actor.roles.includes('reviewer')) throw new DomainError('not-allowed', { action: 'queue' });
    const now = this.clock.now().getTime();
    const { ids } = await this.repository.pageOf('all', { order: 'oldest', statuses: REVIEW_STATUSES, limit: options.limit ?? 50 });
    return Promise.all(
      ids.map(async (id) => {
        const { claim } = await this.load(id);
        const slaDue = claim.deadlines[slaDeadlineOf(claim.status)];
        return {
          claim,
          slaDue,
          ageMs: now - Date.parse(claim.statusSince),
          overdue: slaDue !== undefined && Date.parse(slaDue) <= now,
          competingWith: await this.keyHolders.competitorsOf(claim),
          ownOrganisation: actor.organisation?.tenantId === claim.partnerTenantId,
        };
      }),
    );
  }
  /** Claims filed for the actor's own tenant (they are its customer), most recently changed first. */
  async listForCustomer(actor: Actor, options: { limit?: number } = {}): Promise<Claim[]> {
    const { ids } = await this.repository.pageOf({ customerTenantId: actor.tenantId }, { order: 'newest', limit: options.limit ?? 20 });
    const claims = await Promise.all(ids.map(async (id) => (await this.load(id)).claim));
    return claims.filter((claim) => relationOf(actor, claim) === 'customer');
  }

  private async load(claimId: string): Promise<ClaimDocument> {
    const document = await this.repository.get(claimId);
    if (!document) throw new DomainError('not-found', { claimId });
    return document;
  }
}

function slaDeadlineOf(status: Status): DeadlineName {
  if (status === 'Submitted') return 'reviewStart';
  if (status === 'Disputed') return 'disputeDecision';
  return 'reviewDecision';
}

function canView(actor: Actor, claim: Claim): boolean {
  try {
    assertCanView(actor, claim);
    return true;
  } catch {
    return false;
  }
}
