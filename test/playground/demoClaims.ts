import type { Actor } from '../../services/actor.js';
import type { ClaimService } from '../../services/claimService.js';
import type { Workload } from '../../services/catalogue.js';
import type { Claim } from '../../services/model.js';
import { DEMO_CUSTOMER, DEMO_ORGANISATION, DEMO_PEOPLE, DEMO_REVIEW_TENANT, DEMO_SECOND_REVIEWER } from '../../scripts/start.js';

// The demo's people as the bot knows them (the roles the demo bootstrap grants), and claims of
// Ana's put where a browser test needs them, through the claim service, as these people would.

export const ANA: Actor = {
  userId: DEMO_PEOPLE.partner.user.aadObjectId,
  tenantId: DEMO_ORGANISATION.tenantId,
  displayName: DEMO_PEOPLE.partner.user.name,
  roles: ['incentives-admin'],
  organisation: { ...DEMO_ORGANISATION, partnerIds: [...DEMO_ORGANISATION.partnerIds] },
};
export const RITA: Actor = {
  userId: DEMO_PEOPLE.reviewer.user.aadObjectId,
  tenantId: DEMO_REVIEW_TENANT,
  displayName: DEMO_PEOPLE.reviewer.user.name,
  roles: ['reviewer'],
};
/** The second reviewer, who has no playground: what she does goes through the service. */
export const MEGAN: Actor = {
  userId: DEMO_SECOND_REVIEWER.aadObjectId,
  tenantId: DEMO_REVIEW_TENANT,
  displayName: DEMO_SECOND_REVIEWER.name,
  roles: ['reviewer'],
};

export type Stage = 'Draft' | 'Submitted' | 'InReview' | 'PartnerActionRequired' | 'Approved';

/**
 * A complete claim of Ana's on Carlos's tenant, for one workload (each claim its own, so none
 * compete), brought to `stage`; `reviewer` starts its review (and so has it).
 */
export async function seedClaim(claims: ClaimService, workload: Workload, stage: Stage, reviewer: Actor = RITA): Promise<Claim> {
  let claim = await claims.create(ANA, {
    program: 'OSU-M365',
    activity: 'Usage',
    partnerId: DEMO_ORGANISATION.partnerIds[0],
    customerDomain: DEMO_CUSTOMER.domain,
    customerTenantId: DEMO_CUSTOMER.tenantId,
    workloads: [workload],
    customerContact: { name: 'Dana Fabrikam', title: 'IT Director', email: 'dana@fabrikam.example' },
    partnerContact: { name: 'Ana Partner', email: 'ana@contoso.example' },
  });
  claim = await claims.addPoe(ANA, claim.id, claim.version, {
    name: `${workload} acknowledgement.pdf`,
    contentType: 'application/pdf',
    size: 120_000,
    sha256: 'a'.repeat(64),
    storagePath: `poe/${claim.id}.pdf`,
  });
  if (stage === 'Draft') return claim;
  claim = await claims.submit(ANA, claim.id, claim.version);
  if (stage === 'Submitted') return claim;
  claim = await claims.startReview(reviewer, claim.id, claim.version);
  if (stage === 'InReview') return claim;
  if (stage === 'PartnerActionRequired') {
    return claims.requestInformation(reviewer, claim.id, claim.version, { reasons: ['missing-products'], comment: 'Which products?' });
  }
  return claims.approve(reviewer, claim.id, claim.version);
}
