import type { Claim } from '../services/model.js';
import { statusText } from './format.js';
import type { Translator } from './i18n/i18n.js';
import { CardTemplate, type AdaptiveCard } from './template.js';
import type { Viewer } from './viewer.js';

// The card a claim is shared as (the search message extension): it names the claim and nothing
// else, since everyone in the chat sees it. Its refresh, with no user list, asks the bot for each
// viewer's own card (Teams refreshes it for everyone in chats of up to 60 people, and shows the
// others a button), and the bot answers with what that person may see.

interface SharedClaimCardData {
  claimId: string;
  title: string;
  text: string;
  refresh: boolean;
  labels: { show: string };
}

const template = new CardTemplate<SharedClaimCardData>('sharedClaim');

/** What everyone sees before their own view arrives. */
export function renderSharedClaim(claimId: string, translator: Translator): AdaptiveCard {
  return template.expand({
    claimId,
    title: translator.t('cards.shared.title', { claimId }),
    text: translator.t('cards.shared.text'),
    refresh: true,
    labels: { show: translator.t('cards.shared.show') },
  });
}

/**
 * What a viewer who may not see the claim gets instead: the same words whether or not it exists,
 * and no refresh, so Teams does not ask again on every render.
 */
export function renderSharedClaimRefused(claimId: string, translator: Translator): AdaptiveCard {
  return template.expand({
    claimId,
    title: translator.t('cards.shared.title', { claimId }),
    text: translator.t('cards.shared.notShared', { claimId }),
    refresh: false,
    labels: { show: translator.t('cards.shared.show') },
  });
}

/** The line a search result shows in the compose box: the claim, its status and its customer. */
export function searchPreviewOf(claim: Claim, viewer: Viewer): { title: string; text: string } {
  const customer = claim.details.customerDomain ?? claim.details.customerContact?.name ?? viewer.translator.t('cards.search.noCustomer');
  return {
    title: `${claim.id} · ${claim.partnerName}`,
    text: viewer.translator.t('cards.search.preview', { status: statusText(viewer, claim.status, claim.consentPhase), customer }),
  };
}
