import type { TurnContext } from 'botbuilder';
import type { UserContext } from './userContext.js';
import type { Actor } from '../services/actor.js';
import type { ClaimService } from '../services/claimService.js';
import type { PoeInput } from '../services/model.js';
import type { Policy } from '../services/policy.js';
import type { PoeFiles } from '../poe/poeFiles.js';

// What every dialog needs beyond its own state: the services, and who is acting this turn.
// The actor is resolved afresh by the router each turn (never persisted with the dialog), so a
// role revoked mid-dialog takes effect at once.

export interface FlowServices {
  claims: ClaimService;
  poe: PoeFiles;
  /** Whether the PoE pre-check runs (bot/app.ts has a checker). */
  precheck: boolean;
  policy: Policy;
  /** The `Authorization` header for pasted images on the connector; undefined when unauthenticated. */
  imageAuthorization: (context: TurnContext) => Promise<string | undefined>;
  log?: (message: string, error?: unknown) => void;
}

export interface FlowTurn {
  actor: Actor;
  user: UserContext;
}

export const FLOW_TURN_KEY = Symbol('cpor.flowTurn');

export function flowTurnOf(context: TurnContext): FlowTurn {
  const turn = context.turnState.get(FLOW_TURN_KEY) as FlowTurn | undefined;
  if (!turn) throw new Error('dialog turn without an actor: ConversationFlows must set it');
  return turn;
}

/** A dialog's own state, saved in ConversationState after every turn (JSON only). */
export interface FlowState {
  claimId?: string;
  /** The claim version this conversation last saw; writes use it so a concurrent change is noticed. */
  version?: number;
  step: string;
  /** Steps answered so far, newest last: what `back` returns to. */
  trail: string[];
  /** PoE files added during this dialog (respond) or held for the command that ends it (dispute). */
  added: number;
  pendingPoe: PoeInput[];
  pendingText?: string;
  /** What was typed into the current step's form when it was refused: the form shows it again. */
  entered?: Record<string, string>;
  /** The refused form's fields that were wrong, each with why: marked on the form asked again. */
  invalid?: Record<string, string>;
}

export interface FlowOptions {
  claimId?: string;
}
