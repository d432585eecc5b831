import { z } from 'zod';
import type { Actor } from '../actor.js';
import { parseInput } from '../claimValidation.js';
import type { Clock } from '../clock.js';
import {
  CommentInputSchema,
  DecideDisputeInputSchema,
  DisassociateInputSchema,
  DisputeInputSchema,
  OptionalCommentInputSchema,
  ReassignInputSchema,
  RejectInputSchema,
  RequestInformationInputSchema,
  UpdateInputSchema,
} from '../commandInputs.js';
import type { Action } from '../lifecycle.js';
import { PoeInputSchema, type Claim, type FieldChange } from '../model.js';
import type { AlertSpec } from '../alerts.js';
import { assign, checkAssignee, reassignmentAlerts } from './assignment.js';
import type { Contributions } from './contributions.js';
import { changesSinceRequest } from './resubmission.js';
import { editDetails } from './details.js';
import type { RecordKeyHolders } from './recordKeys.js';
import type { Change, Transitions } from './transition.js';
import type { Decision } from './transitionEffects.js';

// The commands that each take one lifecycle action, as data: the input they accept, the action it
// names, what the actor decided and said, and what else they change. One executor runs them all.

interface CommandTools {
  actor: Actor;
  contributions: Contributions;
  clock: Clock;
}

interface CommandSpec<I> {
  /** Strict: a forged extra field is refused, not ignored. */
  input: z.ZodType<I>;
  action: Action | ((input: I) => Action);
  /** Runs with other changes that can make two claims compete for one partner-of-record key. */
  gated?: boolean;
  /** Kept in history and on a rejection; its comment also as the actor's comment on the claim. */
  decision?: (input: I) => Decision;
  /** What the command changes on the claim beyond the actor's comment; returns field changes. */
  effect?: (claim: Claim, input: I, tools: CommandTools) => FieldChange[];
  /** Appended to every alert the change records. */
  alertExtra?: (input: I, actor: Actor) => Record<string, unknown>;
  /** Added to the row's alerts, from the claim as it was before the change. */
  alertData?: (before: Claim) => Record<string, unknown>;
  /** Alerts beyond the lifecycle row's, from the claim before and after the change. */
  alerts?: (before: Claim, after: Claim, actor: Actor) => Array<Omit<AlertSpec, 'cause'>>;
}

/** A spec with its input type sealed in, so the table can hold commands of different inputs. */
interface Command {
  gated: boolean;
  change(raw: unknown, tools: CommandTools): Change;
}

function command<I>(spec: CommandSpec<I>): Command {
  return {
    gated: spec.gated ?? false,
    change(raw, tools) {
      const input = parseInput(spec.input, raw);
      const decision = spec.decision?.(input) ?? {};
      return {
        action: typeof spec.action === 'function' ? spec.action(input) : spec.action,
        ...decision,
        apply: (claim, role) => {
          const changes = spec.effect?.(claim, input, tools) ?? [];
          tools.contributions.appendComment(claim, tools.actor, role, decision.comment);
          return changes;
        },
        ...(spec.alertExtra ? { alertExtra: spec.alertExtra(input, tools.actor) } : {}),
        ...(spec.alertData ? { alertData: spec.alertData } : {}),
        ...(spec.alerts ? { alerts: (before: Claim, after: Claim) => spec.alerts!(before, after, tools.actor) } : {}),
      };
    },
  };
}

/** Commands that take nothing beyond the claim and the version. */
const NO_INPUT = z.object({}).strict();
const optionalComment = { input: OptionalCommentInputSchema, decision: ({ comment }: { comment?: string }) => ({ comment }) };

const COMMANDS = {
  addPoe: command({
    input: PoeInputSchema.strict(),
    action: 'addPoe',
    effect: (claim, file, { actor, contributions }) => contributions.attachPoe(claim, [file], actor),
  }),
  update: command({
    input: UpdateInputSchema,
    action: 'edit',
    gated: true,
    effect: (claim, requested, { actor }) => editDetails(claim, requested, actor),
  }),
  submit: command({ input: NO_INPUT, action: 'submit', gated: true }),
  discard: command({ input: NO_INPUT, action: 'discard' }),
  // The reviewer who starts the review is its assignee (unless someone handed it to them already).
  startReview: command({ input: NO_INPUT, action: 'startReview', effect: (claim, _input, { actor }) => assign(claim, actor) }),
  reassign: command({
    input: ReassignInputSchema,
    action: 'reassign',
    effect: (claim, { assignee }) => {
      checkAssignee(claim, assignee);
      return assign(claim, assignee);
    },
    alerts: reassignmentAlerts,
  }),
  requestInformation: command({
    input: RequestInformationInputSchema,
    action: 'requestInformation',
    decision: ({ reasons, comment }) => ({ reasons, comment }),
    effect: (claim, { reasons, comment }, { clock }) => {
      claim.informationRequest = { reasons, comment, at: clock.now().toISOString() };
      return [{ field: 'informationRequest', to: { reasons } }];
    },
  }),
  // The reviewer sees what the partner changed since the request, beside their comment.
  resubmit: command({ ...optionalComment, action: 'resubmit', alertData: changesSinceRequest }),
  approve: command({ ...optionalComment, action: 'approve' }),
  reject: command({ input: RejectInputSchema, action: 'reject', decision: ({ reason, comment }) => ({ reason, comment }) }),
  withdraw: command({ ...optionalComment, action: 'withdraw' }),
  optOut: command({ input: NO_INPUT, action: 'optOut' }),
  dispute: command({
    input: DisputeInputSchema,
    action: 'dispute',
    decision: ({ justification }) => ({ comment: justification }),
    effect: (claim, { poe }, { actor, contributions }) => contributions.attachPoe(claim, poe ?? [], actor),
  }),
  decideDispute: command({
    input: DecideDisputeInputSchema,
    action: ({ outcome }) => (outcome === 'overturn' ? 'overturn' : 'uphold'),
    gated: true,
    decision: ({ comment }) => ({ comment }),
  }),
  disassociate: command({ input: DisassociateInputSchema, action: 'disassociate', decision: ({ reason }) => ({ comment: reason }) }),
  comment: command({
    input: CommentInputSchema,
    action: 'comment',
    decision: ({ text }) => ({ comment: text }),
    alertExtra: ({ text }, actor) => ({ commentText: text, commentBy: actor.displayName ?? actor.userId }),
  }),
} satisfies Record<string, Command>;

export type CommandName = keyof typeof COMMANDS;

export class CommandRunner {
  constructor(private readonly parts: { transitions: Transitions; keyHolders: RecordKeyHolders; contributions: Contributions; clock: Clock }) {}

  async run(name: CommandName, actor: Actor, claimId: string, version: number, input?: unknown): Promise<Claim> {
    const { transitions, keyHolders, contributions, clock } = this.parts;
    const spec = COMMANDS[name];
    const change = spec.change(input, { actor, contributions, clock });
    const run = () => transitions.run(actor, claimId, version, change);
    return spec.gated ? keyHolders.gated(run) : run();
  }
}
