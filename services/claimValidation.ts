import type { z } from 'zod';
import type { PartnerOrganisation } from './actor.js';
import { activitiesFor, requiresSubscription, requiresTechnicalContact, workloadsFor } from './catalogue.js';
import { DomainError, type FieldIssue } from './errors.js';
import type { Claim, ClaimDetails, PoeInput } from './model.js';
import type { Policy } from './policy.js';

// Field checks that need more than a schema: the program's catalogue, the organisation's
// PartnerIDs, what submission requires, and the policy's rules for PoE files.

/** Parses with zod and turns every problem into a field issue a user can be told about. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issues: FieldIssue[] = parsed.error.issues.flatMap((issue): FieldIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), problem: 'unknown-field' }));
    }
    const field = issue.path.filter((part) => typeof part !== 'number').join('.') || 'input';
    if (issue.code === 'invalid_type' && issue.input === undefined) return [{ field, problem: 'required' }];
    if (issue.code === 'too_small' && issue.origin === 'string') return [{ field, problem: 'required' }];
    if (issue.code === 'too_big') return [{ field, problem: 'too-long' }];
    if (issue.code === 'invalid_value' && field.startsWith('workloads')) return [{ field, problem: 'not-in-catalogue' }];
    return [{ field, problem: 'invalid' }];
  });
  throw new DomainError('validation', { issues: dedupeIssues(issues) });
}

/** Cross-field rules on what a partner entered; throws `validation` listing every problem. */
export function checkDetails(details: ClaimDetails, organisation: PartnerOrganisation): void {
  const issues: FieldIssue[] = [];
  const { program, activity, workloads, partnerId } = details;
  if (program && activity && !activitiesFor(program).includes(activity)) {
    issues.push({ field: 'activity', problem: 'not-for-program' });
  }
  if (program && workloads?.some((workload) => !workloadsFor(program).includes(workload))) {
    issues.push({ field: 'workloads', problem: 'not-for-program' });
  }
  if (partnerId && !organisation.partnerIds.includes(partnerId)) {
    issues.push({ field: 'partnerId', problem: 'unknown-partner-id' });
  }
  if (issues.length) throw new DomainError('validation', { issues });
}

/** What a claim still lacks before it can be submitted; empty when it is complete. */
export function missingForSubmission(claim: Claim): FieldIssue[] {
  const { details } = claim;
  const missing: FieldIssue[] = [];
  const require = (field: keyof ClaimDetails) => {
    const value = details[field];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) missing.push({ field, problem: 'required' });
  };
  require('program');
  require('activity');
  require('partnerId');
  require('customerDomain');
  require('customerTenantId');
  if (details.program && requiresSubscription(details.program)) require('subscriptionId');
  require('workloads');
  require('customerContact');
  if (requiresTechnicalContact(details.workloads ?? [])) require('technicalContact');
  require('partnerContact');
  if (claim.poe.length === 0) missing.push({ field: 'poe', problem: 'required' });
  return missing;
}

export function checkPoe(files: readonly PoeInput[], alreadyAttached: number, policy: Policy): void {
  const issues: FieldIssue[] = [];
  if (alreadyAttached + files.length > policy.poe.maxFiles) issues.push({ field: 'poe', problem: 'too-many-files' });
  for (const file of files) {
    const extension = file.name.toLowerCase().split('.').pop() ?? '';
    if (!file.name.includes('.') || !policy.poe.extensions.includes(extension)) {
      issues.push({ field: 'poe', problem: 'file-type' });
    }
    if (file.size > policy.poe.maxBytes) issues.push({ field: 'poe', problem: 'file-too-large' });
  }
  if (issues.length) throw new DomainError('validation', { issues: dedupeIssues(issues) });
}

function dedupeIssues(issues: FieldIssue[]): FieldIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.field}:${issue.problem}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
