// The cards the product sends, one module per family. The bot calls these; each renderer takes
// service data and the reader (language, zone, role) and returns an Adaptive Card 1.5.

export type { Viewer, ViewerRole } from './viewer.js';
export type { AdaptiveCard } from './template.js';
export { toAttachment, ADAPTIVE_CARD_CONTENT_TYPE } from './template.js';
export { renderClaimCard, offers, COVERED_BY, CLAIM_CARD_VERBS, type ClaimCardVerb, type ClaimCardOptions, type ClaimCardData } from './claimCard.js';
export { renderConsentNotice, type ConsentNoticeOptions, type ConsentOutcome, type ConsentCardData } from './consentCard.js';
export { renderClaimList, renderReviewQueue, type ClaimListData, type ReviewQueueData } from './listCards.js';
export { renderHistory, type HistoryCardData } from './historyCard.js';
export { renderAlert, alertNowKey, AlertSnapshotSchema, type AlertCardData } from './alertCard.js';
export { renderError, renderMessage, renderWelcome, renderHelp, type MessageCardData, type ErrorCardData, type HelpCardData } from './messageCards.js';
export { MAX_REFRESH_USER_IDS } from './format.js';
export { renderSharedClaim, renderSharedClaimRefused, searchPreviewOf } from './sharedClaimCard.js';
export { renderBulkResult, type BulkResultData } from './bulkResultCard.js';
export { renderAwayCard, type AwayCardData } from './awayCard.js';
