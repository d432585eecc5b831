import type { z } from 'zod';
import { isPartnerRole, type Actor } from '../actor.js';
import { solutionAreaOf } from '../catalogue.js';
import type { ClaimRepository } from '../claimRepository.js';
import { checkDetails, parseInput } from '../claimValidation.js';
import type { Clock } from '../clock.js';
import { CreateInputSchema, type CreateInput, type UpdateInputSchema } from '../commandInputs.js';
import { DomainError } from '../errors.js';
import { rowsFor } from '../lifecycle.js';
import type { Claim, ClaimDetails, FieldChange } from '../model.js';
import type { Policy } from '../policy.js';
import type { ChangeFeed } from './changeFeed.js';

// What a partner enters about a claim: the new draft, and the edits to its details later.

/** Fields a partner may still change once a claim is submitted (SPEC section 3). */
const EDITABLE_AFTER_SUBMIT = new Set<keyof ClaimDetails>(['partnerId', 'workloads', 'customerContact', 'technicalContact', 'partnerContact']);
const EDITOR_ROLES = new Set(rowsFor('submit').flatMap((row) => row.roles));

export class ClaimCreation {
  constructor(
    private readonly repository: ClaimRepository,
    private readonly policy: Policy,
    private readonly clock: Clock,
    private readonly feed: ChangeFeed,
  ) {}

  async create(actor: Actor, input: CreateInput): Promise<Claim> {
    const organisation = actor.organisation;
    const role = actor.roles.find((candidate) => isPartnerRole(candidate) && EDITOR_ROLES.has(candidate));
    if (!organisation || !role) throw new DomainError('not-allowed', { action: 'create' });
    const details: ClaimDetails = parseInput(CreateInputSchema, input);
    if (!details.partnerId && organisation.partnerIds.length === 1) details.partnerId = organisation.partnerIds[0];
    if (details.workloads) details.workloads = [...new Set(details.workloads)];
    if (details.program) details.solutionArea = solutionAreaOf(details.program);
    checkDetails(details, organisation);

    const now = this.clock.now();
    const id = await this.repository.allocateId(now);
    const claim: Claim = {
      id,
      version: 1,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      createdBy: actor.userId,
      partnerTenantId: organisation.tenantId,
      partnerName: organisation.name,
      status: 'Draft',
      statusSince: now.toISOString(),
      terms: {
        catalogue: this.policy.catalogue,
        customerOptOut: this.policy.customerOptOut,
        consentNoticeAt: this.policy.consentNoticeAt,
        disputeInformationRequest: this.policy.disputeInformationRequest,
      },
      details,
      disputesUsed: 0,
      deadlines: {},
      timers: [],
      poe: [],
      comments: [],
      history: [],
    };
    claim.history.push({
      seq: 1,
      at: now.toISOString(),
      actorId: actor.userId,
      actorTenantId: actor.tenantId,
      ...(actor.displayName ? { actorName: actor.displayName.slice(0, 200) } : {}),
      role,
      action: 'create',
      toStatus: 'Draft',
      changes: diffDetails({}, details),
    });
    await this.repository.insert({ claim, outbox: [] });
    this.feed.notify(claim, actor);
    return claim;
  }
}

/** Applies a partner's edit to `claim` (a copy); returns what changed. */
export function editDetails(claim: Claim, requested: z.output<typeof UpdateInputSchema>, actor: Actor): FieldChange[] {
  if (claim.status !== 'Draft') {
    const locked = Object.keys(requested).filter((field) => !EDITABLE_AFTER_SUBMIT.has(field as keyof ClaimDetails));
    if (locked.length) {
      throw new DomainError('validation', {
        issues: locked.map((field) => ({ field, problem: 'not-editable' as const })),
      });
    }
  }
  const next: ClaimDetails = { ...claim.details, ...stripUndefined(requested) };
  if (requested.workloads) next.workloads = [...new Set(requested.workloads)];
  if (next.program) next.solutionArea = solutionAreaOf(next.program);
  checkDetails(next, organisationOf(actor));
  const changes = diffDetails(claim.details, next);
  claim.details = next;
  return changes;
}

function organisationOf(actor: Actor) {
  if (!actor.organisation) throw new DomainError('not-allowed', { action: 'edit' });
  return actor.organisation;
}

function diffDetails(before: ClaimDetails, after: ClaimDetails): FieldChange[] {
  const fields = new Set([...Object.keys(before), ...Object.keys(after)] as (keyof ClaimDetails)[]);
  const changes: FieldChange[] = [];
  for (const field of fields) {
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) {
      changes.push({
        field,
        ...(before[field] !== undefined ? { from: before[field] } : {}),
        ...(after[field] !== undefined ? { to: after[field] } : {}),
      });
    }
  }
  return changes;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
