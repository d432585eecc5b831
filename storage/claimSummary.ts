import { isActive, nextTimerDue, pendingAlertsMark, recordKeysOf } from '../services/claimFacts.js';
import type { ClaimSummary } from '../services/claimRepository.js';
import { precheckMarkOf } from '../services/precheckFacts.js';
import type { Claim, ClaimDocument } from '../services/model.js';

// What every engine derives from a document to answer the service's queries without reading it:
// one definition, so the files index and the database columns cannot disagree.

export function summaryOf(document: ClaimDocument): ClaimSummary {
  const { claim, outbox } = document;
  const pending = outbox.filter((alert) => alert.state === 'pending');
  return {
    id: claim.id,
    partnerTenantId: claim.partnerTenantId,
    customerTenantId: claim.details.customerTenantId,
    status: claim.status,
    consentPhase: claim.consentPhase,
    statusSince: claim.statusSince,
    createdAt: claim.createdAt,
    recordKeys: recordKeysOf(claim),
    active: isActive(claim),
    nextDueAt: nextTimerDue(claim),
    pendingAlerts: pending.length,
    pendingMark: pendingAlertsMark(pending.map((alert) => alert.id)),
    precheckMark: precheckMarkOf(claim),
  };
}

/** Epoch ms of the oldest alert still to deliver, which orders the delivery worker's reads. */
export function oldestPendingAt(document: ClaimDocument): number | undefined {
  const pending = document.outbox.filter((alert) => alert.state === 'pending').map((alert) => Date.parse(alert.createdAt));
  return pending.length > 0 ? Math.min(...pending) : undefined;
}

/**
 * The words a claim is found by, lower case: its id, the customer (domain, tenant, contact) and
 * the partner (name, PartnerID). A search matches a substring of them.
 */
export function searchTextOf(claim: Claim): string {
  const { details } = claim;
  return [
    claim.id,
    details.customerDomain,
    details.customerTenantId,
    details.customerContact?.name,
    details.customerContact?.email,
    claim.partnerName,
    details.partnerId,
    details.subscriptionId,
  ]
    .filter((word): word is string => Boolean(word))
    .join(' ')
    .toLowerCase();
}
