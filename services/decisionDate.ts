import type { BusinessCalendar } from './businessCalendar.js';
import type { Claim, Status } from './model.js';

// The overall decision date (SPEC section 3): the overview promises a decision within 10 business
// days of submission plus the time the partner takes to answer requests for information. So the
// date is `reviewDays` business days after submission, moved later by the business time the claim
// spent in PartnerActionRequired. While the claim waits there, the wait counts up to the respond-by
// deadline: the date shown is the latest one, and answering earlier brings it forward.

const DAY_MS = 24 * 60 * 60 * 1000;
const OPEN_STATUSES: readonly Status[] = ['Submitted', 'InReview', 'PartnerActionRequired'];

export function overallDecisionDue(claim: Claim, calendar: BusinessCalendar, reviewDays: number): string | undefined {
  // After a dispute the dispute decision SLA is the promise; the first review is over.
  if (!claim.submittedAt || claim.disputesUsed > 0 || !OPEN_STATUSES.includes(claim.status)) return undefined;
  let waited = 0;
  let waitingSince: string | undefined;
  for (const entry of claim.history) {
    if (entry.toStatus === 'PartnerActionRequired' && entry.fromStatus !== 'PartnerActionRequired') waitingSince = entry.at;
    else if (waitingSince && entry.fromStatus === 'PartnerActionRequired' && entry.toStatus !== 'PartnerActionRequired') {
      waited += calendar.businessTimeBetween(new Date(waitingSince), new Date(entry.at));
      waitingSince = undefined;
    }
  }
  if (waitingSince) {
    const respondBy = claim.deadlines.partnerResponse;
    if (!respondBy) return undefined;
    waited += calendar.businessTimeBetween(new Date(waitingSince), new Date(respondBy));
  }
  return calendar.addBusinessDays(new Date(claim.submittedAt), reviewDays + waited / DAY_MS).toISOString();
}
