import { ConversationState, type StatePropertyAccessor, type Storage, type TurnContext } from 'botbuilder';
import type { DialogContext, DialogState } from 'botbuilder-dialogs';
// Not the package's index: it loads every prompt and their recognizers (17 MB of heap) this bot never uses.
import { DialogSet } from 'botbuilder-dialogs/lib/dialogSet.js';
import type { ParsedCommand, Verb } from './commands.js';
import type { UserContext } from './userContext.js';
import type { Actor } from '../services/actor.js';
import type { ClaimService } from '../services/claimService.js';
import type { Policy } from '../services/policy.js';
import { CREATE_CLAIM_DIALOG, CreateClaimDialog } from './createClaimDialog.js';
import { discardHeld, DISPUTE_DIALOG, DisputeDialog } from './disputeDialog.js';
import { EDIT_CLAIM_DIALOG, EditClaimDialog } from './editClaimDialog.js';
import { FLOW_TURN_KEY, type FlowServices, type FlowState } from './flowContext.js';
import { readSubmit } from './forms.js';
import type { PoeFiles } from '../poe/poeFiles.js';
import { RESPOND_DIALOG, RespondDialog } from './respondDialog.js';
import { StepDialog } from './stepDialog.js';
import { WITHDRAW_DIALOG, WithdrawDialog } from './withdrawDialog.js';
import { connectorAuthorization } from './connectorAuthorization.js';

// The router's view of the dialogs. The dialog stack lives in ConversationState on the bot's
// Storage (the durable FileStorage in production), saved at the end of every turn, so a
// conversation stopped half-way continues where it was after a restart.

/** What the bot's router asks of the conversations (ClaimsBot composes them). */
export interface ConversationFlows {
  /** Continues the dialog in progress, if any; true when it handled the turn. */
  continueActive(context: TurnContext, actor: Actor, user: UserContext): Promise<boolean>;
  begin(context: TurnContext, actor: Actor, user: UserContext, command: ParsedCommand): Promise<void>;
  /** Ends the dialog in progress; true when there was one. */
  cancel(context: TurnContext): Promise<boolean>;
  /** Saves dialog state at the end of the turn. */
  save(context: TurnContext): Promise<void>;
}

export interface DialogFlowsOptions {
  claims: ClaimService;
  storage: Storage;
  poe: PoeFiles;
  /** Whether the PoE pre-check runs: the upload reply then says the file is being checked. */
  precheck?: boolean;
  /** Defaults to the claim service's policy. */
  policy?: Policy;
  /** How pasted images on the connector are authorized; defaults to the turn's connector token. */
  imageAuthorization?: (context: TurnContext) => Promise<string | undefined>;
  log?: (message: string, error?: unknown) => void;
}

const DIALOG_FOR_VERB: Partial<Record<Verb, string>> = {
  'new-claim': CREATE_CLAIM_DIALOG,
  edit: EDIT_CLAIM_DIALOG,
  respond: RESPOND_DIALOG,
  dispute: DISPUTE_DIALOG,
  withdraw: WITHDRAW_DIALOG,
};

const DIALOG_IDS = new Set(Object.values(DIALOG_FOR_VERB));

export class DialogFlows implements ConversationFlows {
  private readonly conversationState: ConversationState;
  private readonly dialogState: StatePropertyAccessor<DialogState>;
  private readonly dialogs: DialogSet;
  private readonly services: FlowServices;

  constructor(options: DialogFlowsOptions) {
    this.conversationState = new ConversationState(options.storage);
    this.dialogState = this.conversationState.createProperty<DialogState>('cporDialogState');
    this.dialogs = new DialogSet(this.dialogState);
    this.services = {
      claims: options.claims,
      poe: options.poe,
      precheck: options.precheck ?? false,
      policy: options.policy ?? options.claims.policy,
      imageAuthorization: options.imageAuthorization ?? connectorAuthorization,
      ...(options.log ? { log: options.log } : {}),
    };
    this.dialogs
      .add(new CreateClaimDialog(this.services))
      .add(new EditClaimDialog(this.services))
      .add(new RespondDialog(this.services))
      .add(new DisputeDialog(this.services))
      .add(new WithdrawDialog(this.services));
  }

  async continueActive(context: TurnContext, actor: Actor, user: UserContext): Promise<boolean> {
    // Most messages come with no dialog under way: a dialog context (and its memory scopes) is
    // built only when the stored stack has one.
    const stack = (await this.dialogState.get(context))?.dialogStack ?? [];
    const dc = stack.length > 0 ? await this.contextFor(context, actor, user) : undefined;
    const active = dc?.activeDialog;
    if (!dc || !active) {
      // A click on one of our forms after its dialog ended (or was cancelled): say so, change nothing.
      const submit = readSubmit(context.activity.value);
      if (submit && DIALOG_IDS.has(submit.envelope.form)) {
        await context.sendActivity(user.translator.t('dialogs.form.ended'));
        return true;
      }
      return false;
    }
    const dialog = this.dialogs.find(active.id);
    if (dialog instanceof StepDialog && dialog.yieldsTo(active.state as FlowState, context)) return false;
    await dc.continueDialog();
    return true;
  }

  async begin(context: TurnContext, actor: Actor, user: UserContext, command: ParsedCommand): Promise<void> {
    const id = DIALOG_FOR_VERB[command.verb];
    if (!id) throw new Error(`no dialog for the verb ${command.verb}`);
    const dc = await this.contextFor(context, actor, user);
    await this.endAll(dc);
    await dc.beginDialog(id, command.claimId ? { claimId: command.claimId } : {});
  }

  async cancel(context: TurnContext): Promise<boolean> {
    const dc = await this.dialogs.createContext(context);
    if (!dc.activeDialog) return false;
    await this.endAll(dc);
    return true;
  }

  async save(context: TurnContext): Promise<void> {
    await this.conversationState.saveChanges(context);
  }

  private async contextFor(context: TurnContext, actor: Actor, user: UserContext): Promise<DialogContext> {
    context.turnState.set(FLOW_TURN_KEY, { actor, user });
    return this.dialogs.createContext(context);
  }

  /** Ends every dialog; files a dispute was holding go with it (the claim never took them). */
  private async endAll(dc: DialogContext): Promise<void> {
    for (const instance of dc.stack) {
      const held = (instance.state as Partial<FlowState>).pendingPoe ?? [];
      if (held.length)
        await discardHeld(
          this.services,
          held.map((file) => file.storagePath),
        );
    }
    await dc.cancelAllDialogs();
  }
}
