import type { ViewerRole } from '../../../cards/index.js';

/** Who reads a claim card and what they may do: enough to render it in this or another process. */
export interface ClaimCardRequest {
  userId: string;
  role: ViewerRole;
  locale: string;
  timeZone: string;
  /** ISO instant the card is rendered for. */
  now: string;
  allowed: string[];
  note?: string;
  poeLinks?: Record<string, string>;
}
