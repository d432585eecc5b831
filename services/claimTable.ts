import type { Program } from './catalogue.js';
import type { Claim, Status } from './model.js';

// The claims table of the tab: filters, sort and pages over claims the reader may already see.
// Pure: the caller reads the claims (with the access rules of services/claims/queries.ts).

export const TABLE_SORTS = ['id', 'status', 'changed', 'deadline'] as const;
export type TableSort = (typeof TABLE_SORTS)[number];

export interface TableFilter {
  statuses?: readonly Status[];
  program?: Program;
  /** Part of the customer's domain, tenant id or contact name, any case. */
  customer?: string;
  /** The claim's next deadline lies before / after these instants. */
  deadlineBefore?: Date;
  deadlineAfter?: Date;
}

export interface TableOrder {
  sort: TableSort;
  direction: 'asc' | 'desc';
}

/** The earliest deadline the claim has now (deadlines are those of its current status), if any. */
export function nextDeadline(claim: Claim): string | undefined {
  const instants = [...Object.values(claim.deadlines), claim.decisionDue].filter((value): value is string => value !== undefined);
  return instants.sort()[0];
}

export function matchesFilter(claim: Claim, filter: TableFilter): boolean {
  if (filter.statuses && filter.statuses.length > 0 && !filter.statuses.includes(claim.status)) return false;
  if (filter.program && claim.details.program !== filter.program) return false;
  if (filter.customer) {
    const wanted = filter.customer.trim().toLowerCase();
    const haystack = [claim.details.customerDomain, claim.details.customerTenantId, claim.details.customerContact?.name]
      .filter((value): value is string => value !== undefined)
      .map((value) => value.toLowerCase());
    if (!haystack.some((value) => value.includes(wanted))) return false;
  }
  if (filter.deadlineBefore || filter.deadlineAfter) {
    const deadline = nextDeadline(claim);
    if (!deadline) return false;
    const at = Date.parse(deadline);
    if (filter.deadlineBefore && at >= filter.deadlineBefore.getTime()) return false;
    if (filter.deadlineAfter && at <= filter.deadlineAfter.getTime()) return false;
  }
  return true;
}

/** The lifecycle order, so sorting by status reads Editing, Submitted, ... rather than A to Z. */
const STATUS_ORDER: Record<Status, number> = {
  Draft: 0,
  Submitted: 1,
  InReview: 2,
  PartnerActionRequired: 3,
  Disputed: 4,
  Approved: 5,
  Rejected: 6,
};

function compare(a: Claim, b: Claim, sort: TableSort): number {
  switch (sort) {
    case 'id':
      return a.id.localeCompare(b.id);
    case 'status':
      return STATUS_ORDER[a.status] - STATUS_ORDER[b.status];
    case 'changed':
      return a.updatedAt.localeCompare(b.updatedAt);
    case 'deadline': {
      // Claims without a deadline go last either way: nothing is due on them.
      const [x, y] = [nextDeadline(a), nextDeadline(b)];
      if (x === y) return 0;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      return x.localeCompare(y);
    }
  }
}

/** The filtered claims in the asked order; ties by id, so pages never overlap. */
export function tableOf(claims: readonly Claim[], filter: TableFilter, order: TableOrder): Claim[] {
  const sign = order.direction === 'asc' ? 1 : -1;
  return claims
    .filter((claim) => matchesFilter(claim, filter))
    .sort((a, b) => {
      const primary = compare(a, b, order.sort);
      // A missing deadline stays last in both directions.
      if (order.sort === 'deadline' && (nextDeadline(a) === undefined) !== (nextDeadline(b) === undefined)) return primary;
      return sign * primary || a.id.localeCompare(b.id);
    });
}

export function pageOf<T>(rows: readonly T[], page: number, pageSize: number): { total: number; page: number; pageSize: number; rows: T[] } {
  const pages = Math.max(1, Math.ceil(rows.length / pageSize));
  const current = Math.min(Math.max(1, page), pages);
  return { total: rows.length, page: current, pageSize, rows: rows.slice((current - 1) * pageSize, current * pageSize) };
}
