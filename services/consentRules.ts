import type { CatalogueEdition } from './catalogue.js';
import type { Claim, CustomerOptOut, Status } from './model.js';

// Whether the customer may still opt out of a claim, by the terms the claim was filed under.
// `consent-window` (seeds): while the window after approval is open. `any-time` (later articles):
// from the notice at submission until the claim ends, approved or not.

const ANY_TIME_STATUSES: readonly Status[] = ['Submitted', 'InReview', 'PartnerActionRequired', 'Approved', 'Disputed'];

export function optOutRuleOf(claim: Pick<Claim, 'terms'>): CustomerOptOut {
  return claim.terms?.customerOptOut ?? 'consent-window';
}

export function catalogueOf(claim: Pick<Claim, 'terms'>): CatalogueEdition {
  return claim.terms?.catalogue ?? 'seed-2020';
}

export function customerMayOptOut(claim: Claim, now: Date): boolean {
  if (optOutRuleOf(claim) === 'any-time') return ANY_TIME_STATUSES.includes(claim.status);
  const closes = claim.deadlines.consentWindow;
  return claim.status === 'Approved' && claim.consentPhase === 'window-open' && closes !== undefined && now.getTime() < Date.parse(closes);
}
