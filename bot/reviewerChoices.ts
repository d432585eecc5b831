import type { ReviewerChoice } from '../cards/claimCard.js';
import type { Actor } from '../services/actor.js';
import type { Directory, DirectoryUser } from '../services/directory/directory.js';
import type { Claim } from '../services/model.js';
import type { StoredReference } from './proactive/conversationReferences.js';

// Who a reviewer may hand a claim to (or name as their delegate): the directory's reviewers when
// it can list them (the roster), else the reviewers the bot has met (their chats record the roles
// the directory gave them). Each is checked again by the service when chosen; the picker only
// leaves out whom the service would refuse: non-reviewers, the claim's own partner's people, the
// current assignee. A typed name or email finds one of them (the `reassign` and `away` commands).

const MAX_CHOICES = 50;

export interface KnownReviewers {
  reviewerChats(): Promise<StoredReference[]>;
}

export class ReviewerChoices {
  constructor(
    private readonly directory: Pick<Directory, 'reviewers'>,
    private readonly known?: KnownReviewers,
  ) {}

  /** Reviewers `claim` may be handed to. */
  async forClaim(claim: Claim): Promise<ReviewerChoice[]> {
    const assignee = claim.assignedReviewer;
    return (await this.all()).filter(
      (person) =>
        person.organisationTenantId?.toLowerCase() !== claim.partnerTenantId.toLowerCase() &&
        !(assignee && assignee.userId === person.userId && assignee.tenantId.toLowerCase() === person.tenantId.toLowerCase()),
    );
  }

  /** Reviewers `actor` may name as their delegate: anyone but themselves. */
  async forDelegation(actor: Actor): Promise<ReviewerChoice[]> {
    return (await this.all()).filter((person) => !(person.userId === actor.userId && person.tenantId.toLowerCase() === actor.tenantId.toLowerCase()));
  }

  private async all(): Promise<Array<ReviewerChoice & { organisationTenantId?: string }>> {
    const listed = this.directory.reviewers ? await this.directory.reviewers() : undefined;
    const people = listed ? listed.map(fromDirectory) : ((await this.known?.reviewerChats()) ?? []).flatMap(fromChat);
    const unique = new Map(people.map((person) => [`${person.tenantId.toLowerCase()}:${person.userId}`, person]));
    return [...unique.values()].sort((a, b) => a.name.localeCompare(b.name)).slice(0, MAX_CHOICES);
  }
}

function fromDirectory(user: DirectoryUser): ReviewerChoice & { organisationTenantId?: string } {
  return {
    userId: user.userId,
    tenantId: user.tenantId,
    name: user.displayName ?? user.email ?? user.userId,
    ...(user.email ? { email: user.email } : {}),
    ...(user.organisation ? { organisationTenantId: user.organisation.tenantId } : {}),
  };
}

function fromChat(stored: StoredReference): Array<ReviewerChoice & { organisationTenantId?: string }> {
  if (!stored.userId || !stored.roles.includes('reviewer')) return [];
  const name = stored.reference.user?.name ?? stored.userId;
  return [
    { userId: stored.userId, tenantId: stored.tenantId, name, ...(stored.organisationTenantId ? { organisationTenantId: stored.organisationTenantId } : {}) },
  ];
}

/** Reviewers whose name or email contains what was typed (case and accents aside); an exact name wins. */
export function matchingReviewers(choices: readonly ReviewerChoice[], typed: string): ReviewerChoice[] {
  const fold = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim();
  const wanted = fold(typed);
  const exact = choices.filter((choice) => fold(choice.name) === wanted || (choice.email !== undefined && fold(choice.email) === wanted));
  if (exact.length) return exact;
  return choices.filter((choice) => fold(choice.name).includes(wanted) || (choice.email !== undefined && fold(choice.email).includes(wanted)));
}
