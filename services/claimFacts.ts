import { createHash } from 'node:crypto';
import type { Claim } from './model.js';

// Facts derived from a claim that both the service and the store's index need.

/**
 * The partner-of-record keys a claim competes on: customer tenant and workload for OSU-M365,
 * the subscription for OSA and OSU-BizApps (SPEC section 2), per program.
 */
export function recordKeysOf(claim: Pick<Claim, 'details'>): string[] {
  const { program, customerTenantId, subscriptionId, workloads } = claim.details;
  if (!program) return [];
  if (program === 'OSU-M365') {
    if (!customerTenantId) return [];
    return (workloads ?? []).map((workload) => recordKey('m365', customerTenantId.toLowerCase(), workload));
  }
  // Each program has its own partner of record: advisory (OSA) and usage (OSU-BizApps) may differ.
  return subscriptionId ? [recordKey(program, 'subscription', subscriptionId.toLowerCase())] : [];
}

/** Joined, not concatenated: join makes one flat string, where `+` keeps the pieces as a tree, and an index keeps a key per active claim. */
function recordKey(...parts: string[]): string {
  return parts.join(':');
}

/** Active: anything but a draft or a rejection that can no longer be disputed. */
export function isActive(claim: Claim): boolean {
  if (claim.status === 'Draft') return false;
  if (claim.status === 'Rejected') return !claim.rejection?.final && !claim.disputeWindowClosed;
  return true;
}

/** The earliest timer still to fire, in epoch milliseconds. */
export function nextTimerDue(claim: Claim): number | undefined {
  let earliest: number | undefined;
  for (const timer of claim.timers) {
    if (timer.firedAt) continue;
    const due = Date.parse(timer.dueAt);
    if (earliest === undefined || due < earliest) earliest = due;
  }
  return earliest;
}

/**
 * Which alerts are pending, in 12 hex digits: the MD5 of their ids in code-unit order, joined by
 * commas (migration 0010 writes the same in SQL); undefined when none is. A holder of a claim's
 * alerts compares it with the ids it holds to learn, without reading the claim, whether any of
 * them was settled elsewhere or another was added, even when their number stayed the same.
 */
export function pendingAlertsMark(ids: Iterable<string>): string | undefined {
  const sorted = [...ids].sort();
  if (sorted.length === 0) return undefined;
  return createHash('md5').update(sorted.join(',')).digest('hex').slice(0, 12);
}
