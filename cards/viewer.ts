import type { Translator } from './i18n/i18n.js';

// Who a card is rendered for: the reader's language and time zone, and the part they play for
// the claim on it, which decides the actions the card offers.

export type ViewerRole = 'partner' | 'reviewer' | 'customer' | 'observer';

export interface Viewer {
  /** The AAD object id of the reader. */
  userId: string;
  /** The Teams user id (29:...) used in card `refresh.userIds`. */
  teamsUserId?: string;
  role: ViewerRole;
  translator: Translator;
  timeZone: string;
  /** The instant the card is rendered for (the claim service's clock): what is still open. */
  now: Date;
}

/** What a card's words depend on besides what they say: the reader's language and time zone. */
export type Reader = Pick<Viewer, 'translator' | 'timeZone'>;
