import { z } from 'zod';
import { ActorSchema } from './actor.js';
import { ClaimDetailsSchema, INFORMATION_REASONS, PoeInputSchema, REVIEWER_REJECTION_REASONS } from './model.js';

// The data each command accepts beyond actor, claim id and version. Strict: a forged extra
// field is refused, not ignored.

const note = z.string().trim().min(1).max(4000);

const EnteredDetailsSchema = ClaimDetailsSchema.omit({ solutionArea: true });
export const CreateInputSchema = EnteredDetailsSchema.strict();
export const UpdateInputSchema = EnteredDetailsSchema.strict();
export const CommentInputSchema = z.object({ text: note }).strict();
export const RequestInformationInputSchema = z
  .object({
    reasons: z
      .array(z.enum(INFORMATION_REASONS))
      .min(1)
      .refine((reasons) => new Set(reasons).size === reasons.length, { message: 'a reason is repeated' }),
    comment: note,
  })
  .strict();
export const RejectInputSchema = z.object({ reason: z.enum(REVIEWER_REJECTION_REASONS), comment: note }).strict();
export const OptionalCommentInputSchema = z.object({ comment: note.optional() }).strict();
export const DisputeInputSchema = z
  .object({ justification: note.optional(), poe: z.array(PoeInputSchema).max(20).optional() })
  .strict()
  .refine((input) => Boolean(input.justification) || (input.poe?.length ?? 0) > 0, {
    message: 'a justification or new proof of execution is needed',
    path: ['justification'],
  });
export const DecideDisputeInputSchema = z.object({ outcome: z.enum(['overturn', 'uphold']), comment: note.optional() }).strict();
export const DisassociateInputSchema = z.object({ reason: note }).strict();
/** The new assignee as the directory resolved them: the service checks the role and organisation. */
export const ReassignInputSchema = z.object({ assignee: ActorSchema }).strict();

export type CreateInput = z.input<typeof CreateInputSchema>;
export type UpdateInput = z.input<typeof UpdateInputSchema>;
export type CommentInput = z.input<typeof CommentInputSchema>;
export type RequestInformationInput = z.input<typeof RequestInformationInputSchema>;
export type RejectInput = z.input<typeof RejectInputSchema>;
export type OptionalCommentInput = z.input<typeof OptionalCommentInputSchema>;
export type DisputeInput = z.input<typeof DisputeInputSchema>;
export type DecideDisputeInput = z.input<typeof DecideDisputeInputSchema>;
export type DisassociateInput = z.input<typeof DisassociateInputSchema>;
export type ReassignInput = z.input<typeof ReassignInputSchema>;
