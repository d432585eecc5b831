import { z } from 'zod';
import type { Actor } from '../actor.js';
import { parseInput } from '../claimValidation.js';
import { OptionalCommentInputSchema, RejectInputSchema, RequestInformationInputSchema } from '../commandInputs.js';
import { DomainError, isDomainError } from '../errors.js';
import type { Claim } from '../model.js';
import type { CommandName } from './commands.js';

// Bulk decisions from the review queue: the same command for several claims, each run on its own
// exactly as a single click would (its version, its checks, its history and alerts). One claim
// refused changes nothing for the others, and the answer says what happened to each.

export const BULK_ACTIONS = ['startReview', 'approve', 'reject', 'requestInformation'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** At most what the queue card lists. */
export const MAX_BULK_CLAIMS = 25;

export const BulkItemSchema = z.object({ claimId: z.string().regex(/^CPOR-\d{4}-\d{6,}$/), version: z.number().int().positive() }).strict();
export type BulkItem = z.infer<typeof BulkItemSchema>;

const BulkItemsSchema = z.array(BulkItemSchema).min(1).max(MAX_BULK_CLAIMS);

/** The input shared by every claim of the batch, per action. */
const BULK_INPUTS = {
  startReview: z.object({}).strict(),
  approve: OptionalCommentInputSchema,
  reject: RejectInputSchema,
  requestInformation: RequestInformationInputSchema,
} as const satisfies Record<BulkAction, z.ZodType>;

export type BulkInput<A extends BulkAction> = z.input<(typeof BULK_INPUTS)[A]>;

export type BulkOutcome = { claimId: string; outcome: 'done'; claim: Claim } | { claimId: string; outcome: 'refused'; error: DomainError | Error };

export type RunCommand = (name: CommandName, actor: Actor, claimId: string, version: number, input?: unknown) => Promise<Claim>;

/**
 * Runs `action` on each claim in turn. The batch's input is checked once, up front (a bad reason
 * refuses the whole batch before anything changes); a claim named twice is acted on once.
 */
export async function runBulk(run: RunCommand, actor: Actor, action: BulkAction, items: readonly BulkItem[], input: unknown): Promise<BulkOutcome[]> {
  const batch = parseInput(BulkItemsSchema, items);
  const shared = parseInput(BULK_INPUTS[action] as z.ZodType<unknown>, input ?? {});
  const seen = new Set<string>();
  const outcomes: BulkOutcome[] = [];
  for (const item of batch) {
    if (seen.has(item.claimId)) continue;
    seen.add(item.claimId);
    try {
      outcomes.push({ claimId: item.claimId, outcome: 'done', claim: await run(action, actor, item.claimId, item.version, shared) });
    } catch (error) {
      // Whatever stopped this claim (a refusal, the store failing) is its own outcome.
      outcomes.push({ claimId: item.claimId, outcome: 'refused', error: isDomainError(error) ? error : (error as Error) });
    }
  }
  return outcomes;
}
