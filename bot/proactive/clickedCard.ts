import type { Activity } from 'botbuilder';
import type { Actor } from '../../services/actor.js';
import { conversationKeyOf } from './conversationReferences.js';

// The posted card a person clicked to change a claim. The invoke response gives them the new
// card, so the copy updates that follow the change leave that message alone. The change feed names
// the actor of each change, and a click acts as an actor object of its own: that is how the change
// listener learns which card it was, without the claim service knowing anything of Teams messages
// and without async context tracking (whose hooks would cost every promise of the process).

export interface ClickedCard {
  conversationKey: string;
  activityId: string;
}

/** The card each click in progress came from, by the actor object that click acts as. */
const clickedBy = new WeakMap<Readonly<Actor>, ClickedCard>();

/** The card an `adaptiveCard/action` invoke came from (a refresh or a card without an id: none). */
export function clickedCardOf(activity: Partial<Activity>): ClickedCard | undefined {
  const conversationKey = conversationKeyOf(activity);
  return conversationKey && activity.replyToId ? { conversationKey, activityId: activity.replyToId } : undefined;
}

/** Runs `work` as `actor`, a copy of its own when a card was clicked, known as that click until it ends. */
export async function whileHandlingClick<T>(card: ClickedCard | undefined, actor: Actor, work: (actor: Actor) => Promise<T>): Promise<T> {
  if (!card) return work(actor);
  const clicking: Actor = { ...actor };
  clickedBy.set(clicking, card);
  try {
    return await work(clicking);
  } finally {
    clickedBy.delete(clicking);
  }
}

/** The card clicked to make a change, from the actor the change feed names. */
export function cardClickedBy(actor: Readonly<Actor> | undefined): ClickedCard | undefined {
  return actor && clickedBy.get(actor);
}
