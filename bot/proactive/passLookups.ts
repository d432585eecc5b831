import type { ConversationReferenceStore, StoredReference, TenantEndpoint } from './conversationReferences.js';

// The conversation lookups that resolve an alert's recipients, shared by the alerts of one
// delivery pass. A pass often holds many alerts for the same people (one partner's claims, the
// reviewers, a customer tenant), and on PostgreSQL each lookup is a statement: a partner the bot
// never met cost three per alert, on every pass that looked at the alert again. A pass is short
// and made again whenever someone becomes reachable, so its answers are as fresh as one lookup
// each; when it creates a chat, what it had learnt is forgotten.

/** What resolving recipients asks of the conversation references. */
export type RecipientLookups = Pick<
  ConversationReferenceStore,
  'personalChat' | 'anyPersonalChat' | 'endpointFor' | 'tenantChats' | 'reviewerChannels' | 'reviewerChats'
>;

export class PassLookups implements RecipientLookups {
  private readonly answers = new Map<string, Promise<unknown>>();

  constructor(private readonly references: RecipientLookups) {}

  personalChat(tenantId: string, userId: string): Promise<StoredReference | undefined> {
    return this.once(['personalChat', tenantId, userId], () => this.references.personalChat(tenantId, userId));
  }

  anyPersonalChat(tenantId: string, userId: string): Promise<StoredReference | undefined> {
    return this.once(['anyPersonalChat', tenantId, userId], () => this.references.anyPersonalChat(tenantId, userId));
  }

  endpointFor(tenantId: string): Promise<TenantEndpoint | undefined> {
    return this.once(['endpointFor', tenantId], () => this.references.endpointFor(tenantId));
  }

  tenantChats(tenantId: string): Promise<StoredReference[]> {
    return this.once(['tenantChats', tenantId], () => this.references.tenantChats(tenantId));
  }

  reviewerChannels(): Promise<StoredReference[]> {
    return this.once(['reviewerChannels'], () => this.references.reviewerChannels());
  }

  reviewerChats(): Promise<StoredReference[]> {
    return this.once(['reviewerChats'], () => this.references.reviewerChats());
  }

  /** A chat was created (or anything else changed the references): the next lookups ask again. */
  forget(): void {
    this.answers.clear();
  }

  private once<T>(question: readonly string[], ask: () => Promise<T>): Promise<T> {
    const key = JSON.stringify(question);
    const known = this.answers.get(key) as Promise<T> | undefined;
    if (known) return known;
    const answer = ask();
    this.answers.set(key, answer);
    // A failed lookup is not an answer: the next alert asks again.
    answer.catch(() => {
      if (this.answers.get(key) === answer) this.answers.delete(key);
    });
    return answer;
  }
}
