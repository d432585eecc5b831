import { z } from 'zod';
import { RoleSchema, type Actor } from '../actor.js';
import { reviewerRefOf, sameReviewer } from '../claims/assignment.js';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import { ReviewerRefSchema, type ReviewerRef } from '../model.js';
import type { DocumentCollection, DocumentStore } from '../store/documentStore.js';

// Out-of-office delegation: a reviewer away until a date names another reviewer, who receives the
// alerts addressed to the away reviewer personally (their assigned claims) until then; the away
// reviewer still gets a copy, so nothing happens behind their back. One document per reviewer in
// the document store (collection `reviewer-delegations`), so every instance and both engines see
// it; it expires by itself at its end, on the application's clock.

/** How far ahead an absence may be declared. */
export const MAX_AWAY_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

export const DelegationSchema = z.object({
  reviewer: ReviewerRefSchema,
  delegate: ReviewerRefSchema,
  until: z.iso.datetime(),
  setAt: z.iso.datetime(),
});
export type Delegation = z.infer<typeof DelegationSchema>;

export const DELEGATIONS_COLLECTION = {
  name: 'reviewer-delegations',
  schema: DelegationSchema,
  tags: (value: Delegation) => ({ delegateId: value.delegate.userId }),
};

export const SetDelegationInputSchema = z
  .object({
    /** The last moment away (an instant; the bot turns a typed date into the end of that day in the reader's zone). */
    until: z.iso.datetime(),
    /** The delegate as the directory resolved them. */
    delegate: z.object({
      userId: z.string().min(1).max(200),
      tenantId: z.guid(),
      displayName: z.string().max(200).optional(),
      roles: z.array(RoleSchema),
    }),
  })
  .strict();
export type SetDelegationInput = z.input<typeof SetDelegationInputSchema>;

function keyOf(person: Pick<ReviewerRef, 'userId' | 'tenantId'>): string {
  return `${person.tenantId.toLowerCase()}:${person.userId}`;
}

export class ReviewerDelegations {
  private constructor(
    private readonly documents: DocumentCollection<Delegation>,
    private readonly clock: Clock,
  ) {}

  static async open(store: DocumentStore, clock: Clock): Promise<ReviewerDelegations> {
    return new ReviewerDelegations(await store.collection(DELEGATIONS_COLLECTION), clock);
  }

  /** Declares `actor` away until `until`, their personal alerts going to `delegate` meanwhile. */
  async set(actor: Actor, raw: SetDelegationInput): Promise<Delegation> {
    if (!actor.roles.includes('reviewer')) throw new DomainError('not-allowed', { action: 'away' });
    const parsed = SetDelegationInputSchema.safeParse(raw);
    if (!parsed.success) {
      throw new DomainError('validation', {
        issues: parsed.error.issues.map((issue) => ({ field: String(issue.path[0] ?? 'input'), problem: 'invalid' as const })),
      });
    }
    const { until, delegate } = parsed.data;
    const now = this.clock.now();
    const end = Date.parse(until);
    if (end <= now.getTime() || end > now.getTime() + MAX_AWAY_DAYS * DAY_MS) {
      throw new DomainError('delegation-invalid', { problem: 'until', days: MAX_AWAY_DAYS });
    }
    if (!delegate.roles.includes('reviewer')) throw new DomainError('delegation-invalid', { problem: 'not-reviewer', days: MAX_AWAY_DAYS });
    if (sameReviewer(delegate, actor)) throw new DomainError('delegation-invalid', { problem: 'self', days: MAX_AWAY_DAYS });
    // One hop only: handing alerts to someone who is away would send them nowhere anyone reads.
    if (await this.current(delegate)) throw new DomainError('delegation-invalid', { problem: 'delegate-away', days: MAX_AWAY_DAYS });
    const delegation: Delegation = {
      reviewer: reviewerRefOf(actor),
      delegate: reviewerRefOf(delegate),
      until: new Date(end).toISOString(),
      setAt: now.toISOString(),
    };
    await this.documents.put(keyOf(actor), delegation, { expiresAt: end });
    return delegation;
  }

  /** Ends `actor`'s absence now; false when none was set. */
  async clear(actor: Actor): Promise<boolean> {
    if (!actor.roles.includes('reviewer')) throw new DomainError('not-allowed', { action: 'away' });
    return this.documents.delete(keyOf(actor));
  }

  /** The reviewer's absence in force now, if any. */
  async current(person: Pick<ReviewerRef, 'userId' | 'tenantId'>): Promise<Delegation | undefined> {
    const stored = await this.documents.get(keyOf(person));
    if (!stored || Date.parse(stored.value.until) <= this.clock.now().getTime()) return undefined;
    return stored.value;
  }
}
