import { AsyncLocalStorage } from 'node:async_hooks';
import type { Activity } from 'botbuilder';
import { conversationKeyOf } from './conversationReferences.js';

// The posted card a person clicked to change a claim. The invoke response gives them the new
// card, so the copy updates that follow the change leave that message alone. The change listener
// runs inside the command's async chain, which is how it learns which card that was without the
// claim service knowing anything of Teams messages.

export interface ClickedCard {
  conversationKey: string;
  activityId: string;
}

const clicked = new AsyncLocalStorage<ClickedCard>();

/** The card an `adaptiveCard/action` invoke came from (a refresh or a card without an id: none). */
export function clickedCardOf(activity: Partial<Activity>): ClickedCard | undefined {
  const conversationKey = conversationKeyOf(activity);
  return conversationKey && activity.replyToId ? { conversationKey, activityId: activity.replyToId } : undefined;
}

export function whileHandlingClick<T>(card: ClickedCard | undefined, work: () => Promise<T>): Promise<T> {
  return card ? clicked.run(card, work) : work();
}

/** Inside a change made by a click: the card clicked. */
export function cardBeingClicked(): ClickedCard | undefined {
  return clicked.getStore();
}
