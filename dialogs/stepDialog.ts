import type { DialogContext, DialogTurnResult } from 'botbuilder-dialogs';
// Not the package's index: it loads every prompt and their recognizers (17 MB of heap) this bot never uses.
import { Dialog } from 'botbuilder-dialogs/lib/dialog.js';
import type { TurnContext } from 'botbuilder';
import { commandOf, withoutMentions } from './commands.js';
import { describeError } from '../cards/i18n/errorMessages.js';
import type { Translator } from '../cards/i18n/i18n.js';
import { DomainError } from '../services/errors.js';
import type { Claim } from '../services/model.js';
import { flowTurnOf, type FlowOptions, type FlowServices, type FlowState, type FlowTurn } from './flowContext.js';
import { FormButtons, readSubmit, type Reply } from './forms.js';
import { PoeFiles } from '../poe/poeFiles.js';

// A dialog as an ordered list of steps, each of which asks, validates at once and either moves on
// or asks again with the reason. Unlike a waterfall it keeps the trail of answered steps, so
// `back` works at every step; its whole state is plain JSON in ConversationState, so a dialog
// stopped half-way continues after a restart.

export type StepInput = { kind: 'text'; text: string } | { kind: 'form'; action: string; fields: Record<string, unknown> } | { kind: 'files' };

export type StepResult =
  /** Go on to the dialog's next step (the summary or menu, in the editing dialog). */
  | { kind: 'next'; say?: string }
  | { kind: 'goto'; step: string; say?: string }
  /** Say why, then ask the same question again. */
  | { kind: 'retry'; say: string }
  /** Say something and keep waiting at this step (e.g. "file received, send more"). */
  | { kind: 'stay'; say: string }
  | { kind: 'end'; say?: string | Reply };

export type WriteOutcome = { ok: true; claim: Claim } | { ok: false; result: StepResult };

export interface StepContext {
  context: TurnContext;
  t: Translator;
  turn: FlowTurn;
  state: FlowState;
  services: FlowServices;
  buttons: FormButtons;
  /** The claim as it is now (read once per turn). */
  claim(): Promise<Claim>;
  /** Runs one service command with the version this dialog last saw, and records the new one. */
  write(command: (version: number) => Promise<Claim>): Promise<WriteOutcome>;
}

export interface Step {
  id: string;
  /** Typed text here is an answer (a comment, a justification), never a command to route elsewhere. */
  freeText?: boolean;
  applies?(ctx: StepContext): Promise<boolean> | boolean;
  prompt(ctx: StepContext): Promise<Reply[]> | Reply[];
  handle(ctx: StepContext, input: StepInput): Promise<StepResult>;
}

/** Commands that only show something: typed alone, they are never an answer. */
const LOOK_UP_VERBS = new Set(['my-claims', 'help', 'queue', 'roles']);

/** Errors the user can fix at the same step; any other ends the dialog with its message. */
const RETRYABLE = new Set(['validation', 'incomplete', 'duplicate-claim', 'stale-version']);

export abstract class StepDialog extends Dialog<FlowOptions> {
  protected abstract readonly steps: readonly Step[];

  constructor(
    id: string,
    protected readonly services: FlowServices,
  ) {
    super(id);
  }

  /** Checks what the dialog needs (the claim, the role, the status) and picks the first step. */
  protected abstract start(ctx: StepContext, options: FlowOptions): Promise<StepResult>;

  /** The step after `from`; by default the next one in order that applies. */
  protected async following(ctx: StepContext, from: string | undefined): Promise<string | undefined> {
    const index = from === undefined ? -1 : this.steps.findIndex((step) => step.id === from);
    return this.firstApplicable(ctx, index + 1);
  }

  protected async firstApplicable(ctx: StepContext, fromIndex: number): Promise<string | undefined> {
    for (const step of this.steps.slice(fromIndex)) {
      if (!step.applies || (await step.applies(ctx))) return step.id;
    }
    return undefined;
  }

  override async beginDialog(dc: DialogContext, options?: FlowOptions): Promise<DialogTurnResult> {
    const state = dc.activeDialog!.state as FlowState;
    Object.assign(state, { step: '', trail: [], added: 0, pendingPoe: [] } satisfies FlowState);
    if (options?.claimId) state.claimId = options.claimId;
    const ctx = this.contextFor(dc, state);
    return this.apply(dc, ctx, await this.guarded(ctx, () => this.start(ctx, options ?? {})), undefined);
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const state = dc.activeDialog!.state as FlowState;
    const ctx = this.contextFor(dc, state);
    const step = this.stepById(state.step);
    if (!step) return this.apply(dc, ctx, { kind: 'end', say: ctx.t.t('dialogs.common.lost') }, undefined);
    const activity = dc.context.activity;

    let input: StepInput;
    if (PoeFiles.hasFiles(activity)) {
      input = { kind: 'files' };
    } else if (activity.value !== undefined && activity.value !== null) {
      const submit = readSubmit(activity.value);
      if (!submit) return this.apply(dc, ctx, { kind: 'retry', say: ctx.t.t('dialogs.form.notOurs') }, state.step);
      if (submit.envelope.form !== this.id || submit.envelope.step !== state.step) {
        return this.apply(dc, ctx, { kind: 'retry', say: ctx.t.t('dialogs.form.oldCard') }, state.step);
      }
      if (submit.envelope.action === 'back') return this.back(dc, ctx);
      input = { kind: 'form', action: submit.envelope.action, fields: submit.fields };
    } else {
      const text = withoutMentions(activity.text ?? '');
      const command = commandOf(dc.context);
      if (command?.verb === 'back' && !command.rest && !command.claimId) return this.back(dc, ctx);
      input = { kind: 'text', text };
    }
    return this.apply(dc, ctx, await this.guarded(ctx, () => step.handle(ctx, input)), state.step);
  }

  override async repromptDialog(context: TurnContext, instance: { state: FlowState }): Promise<void> {
    const step = this.stepById(instance.state.step);
    if (!step) return;
    const ctx = this.contextFor({ context } as DialogContext, instance.state);
    await this.send(ctx, await step.prompt(ctx));
  }

  /**
   * Whether this turn's text is a command for the router rather than an answer: steps let `my
   * claims` or `help` through and keep their place. A step that takes free text (a comment, a
   * justification) yields only to what can't be an answer: a command naming a claim
   * (`edit CPOR-…`, `withdraw CPOR-…`) or a look-up typed alone (`my claims`), never to the
   * step's own word (`dispute`, `resubmit`).
   */
  yieldsTo(state: FlowState, context: TurnContext): boolean {
    const { activity } = context;
    if (activity.value !== undefined || PoeFiles.hasFiles(activity)) return false;
    const step = this.stepById(state.step);
    if (!step) return false;
    const command = commandOf(context);
    if (command === undefined || command.verb === 'back') return false;
    return !step.freeText || command.claimId !== undefined || (command.rest === '' && LOOK_UP_VERBS.has(command.verb));
  }

  private async back(dc: DialogContext, ctx: StepContext): Promise<DialogTurnResult> {
    const previous = ctx.state.trail.pop();
    if (!previous) return this.apply(dc, ctx, { kind: 'retry', say: ctx.t.t('dialogs.common.atStart') }, ctx.state.step);
    ctx.state.step = previous;
    return this.ask(dc, ctx, []);
  }

  private async apply(dc: DialogContext, ctx: StepContext, result: StepResult, from: string | undefined): Promise<DialogTurnResult> {
    // Typed values are kept only while the same form is asked again.
    if (result.kind !== 'retry') {
      delete ctx.state.entered;
      delete ctx.state.invalid;
    }
    switch (result.kind) {
      case 'end': {
        if (result.say) await this.send(ctx, [typeof result.say === 'string' ? { type: 'message', text: result.say } : result.say]);
        return dc.endDialog();
      }
      case 'stay':
        await this.send(ctx, [{ type: 'message', text: result.say }]);
        return Dialog.EndOfTurn;
      case 'retry':
        return this.ask(dc, ctx, [result.say]);
      case 'next':
      case 'goto': {
        let target: string | undefined;
        if (result.kind === 'goto') {
          const index = this.steps.findIndex((step) => step.id === result.step);
          target = await this.firstApplicable(ctx, index);
        } else {
          target = await this.following(ctx, from);
        }
        if (!target) return this.apply(dc, ctx, { kind: 'end', ...(result.say ? { say: result.say } : {}) }, from);
        // Returning to a step already on the trail (the edit menu) unwinds the trail to it.
        const seen = ctx.state.trail.lastIndexOf(target);
        if (seen >= 0) ctx.state.trail.length = seen;
        else if (from && from !== target) ctx.state.trail.push(from);
        ctx.state.step = target;
        return this.ask(dc, ctx, result.say ? [result.say] : []);
      }
    }
  }

  private async ask(dc: DialogContext, ctx: StepContext, before: string[]): Promise<DialogTurnResult> {
    const step = this.stepById(ctx.state.step);
    if (!step) return this.apply(dc, ctx, { kind: 'end', say: ctx.t.t('dialogs.common.lost') }, undefined);
    const buttons = new FormButtons(this.id, step.id, ctx.t);
    const prompt = await step.prompt({ ...ctx, buttons });
    await this.send(ctx, [...before.map((text): Reply => ({ type: 'message', text })), ...prompt]);
    return Dialog.EndOfTurn;
  }

  private async send(ctx: StepContext, replies: Reply[]): Promise<void> {
    if (replies.length) await ctx.context.sendActivities(replies);
  }

  /** A domain error the step did not expect ends the dialog with its message; bugs propagate. */
  private async guarded(ctx: StepContext, work: () => Promise<StepResult>): Promise<StepResult> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { kind: 'end', say: describeError(ctx.t, error) };
    }
  }

  protected stepById(id: string): Step | undefined {
    return this.steps.find((step) => step.id === id);
  }

  private contextFor(dc: DialogContext, state: FlowState): StepContext {
    const turn = flowTurnOf(dc.context);
    const { claims } = this.services;
    let current: Claim | undefined;
    const ctx: StepContext = {
      context: dc.context,
      t: turn.user.translator,
      turn,
      state,
      services: this.services,
      buttons: new FormButtons(this.id, state.step, turn.user.translator),
      claim: async () => {
        if (!state.claimId) throw new Error(`dialog ${this.id} reads a claim before it has one`);
        current ??= await claims.get(turn.actor, state.claimId);
        return current;
      },
      write: async (command) => {
        if (!state.claimId || state.version === undefined) throw new Error(`dialog ${this.id} writes without a claim`);
        try {
          const claim = await command(state.version);
          state.version = claim.version;
          current = claim;
          return { ok: true, claim };
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          const say = describeError(turn.user.translator, error);
          if (!RETRYABLE.has(error.code)) return { ok: false, result: { kind: 'end', say } };
          if (error.code === 'stale-version') {
            // Someone else changed the claim: take their version and ask again, with it in view.
            current = await claims.get(turn.actor, state.claimId);
            state.version = current.version;
          }
          return { ok: false, result: { kind: 'retry', say } };
        }
      },
    };
    return ctx;
  }
}

/** Throws the same error the service would, for checks made before asking anything. */
export function refuse(claim: Claim, action: string): never {
  throw new DomainError('invalid-transition', { claimId: claim.id, status: claim.status, action });
}
