import { randomUUID } from 'node:crypto';
import type { Alert, AlertAudience, AlertKind, Claim } from './model.js';

// Alerts are recorded in the claim's outbox with the change that causes them (SPEC section 4).
// The dedupe key names that change, so a retry or a restart can never make a second copy.

export interface AlertSpec {
  kind: AlertKind;
  to: AlertAudience;
  /** What makes this alert unique for its claim: the version it announces or the timer it fires. */
  cause: string;
  extra?: Record<string, unknown>;
}

export function recordAlert(claim: Claim, spec: AlertSpec, now: Date): Alert {
  return {
    id: randomUUID(),
    dedupeKey: `${claim.id}:${spec.cause}:${spec.kind}:${spec.to}`,
    kind: spec.kind,
    to: spec.to,
    claimId: claim.id,
    claimVersion: claim.version,
    createdAt: now.toISOString(),
    data: { ...snapshot(claim), ...spec.extra },
    state: 'pending',
    attempts: 0,
  };
}

/** What a card for any alert needs to show without reading the claim again. */
function snapshot(claim: Claim): Record<string, unknown> {
  const { details } = claim;
  const contacts = [details.customerContact?.email, details.technicalContact?.email].filter(Boolean);
  return {
    claimId: claim.id,
    status: claim.status,
    consentPhase: claim.consentPhase,
    program: details.program,
    partnerName: claim.partnerName,
    partnerId: details.partnerId,
    partnerTenantId: claim.partnerTenantId,
    createdBy: claim.createdBy,
    partnerContactEmail: details.partnerContact?.email,
    customerDomain: details.customerDomain,
    customerTenantId: details.customerTenantId,
    customerContactEmails: contacts,
    subscriptionId: details.subscriptionId,
    workloads: details.workloads ?? [],
    deadlines: claim.deadlines,
    decisionDue: claim.decisionDue,
    customerOptOut: claim.terms?.customerOptOut,
    catalogue: claim.terms?.catalogue,
    rejection: claim.rejection,
    informationRequest: claim.informationRequest,
  };
}
