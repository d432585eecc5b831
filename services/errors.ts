// One catalogue of domain errors. The code is stable: it reaches logs, invoke responses and
// localized messages; `params` carries what a message needs.

export const ERROR_CODES = [
  'not-found',
  'not-allowed',
  'wrong-tenant',
  'own-organisation',
  'invalid-transition',
  'stale-version',
  'duplicate-claim',
  'validation',
  'incomplete',
  'window-closed',
  'dispute-used',
  'directory-unavailable',
  /** Reassignment: the chosen person is not a reviewer, is of the claim's partner, or already has it. */
  'assignee-not-reviewer',
  'assignee-own-organisation',
  'already-assigned',
  /** Out-of-office delegation that cannot be set as asked (see services/reviewers/delegations.ts). */
  'delegation-invalid',
  'storage',
  /** The store cannot be reached (database down or failing over): retry in a moment. */
  'storage-unavailable',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** A field that failed validation, with a code a message catalogue can translate. */
export interface FieldIssue {
  field: string;
  problem:
    | 'required'
    | 'invalid'
    | 'not-in-catalogue'
    | 'not-for-program'
    | 'unknown-partner-id'
    | 'not-editable'
    | 'too-long'
    | 'unknown-field'
    | 'file-type'
    | 'file-too-large'
    | 'too-many-files';
}

export type ErrorParams = Record<string, string | number | boolean | readonly string[] | readonly FieldIssue[]>;

const HTTP_STATUS: Record<ErrorCode, number> = {
  'not-found': 404,
  'not-allowed': 403,
  'wrong-tenant': 403,
  'own-organisation': 403,
  'invalid-transition': 409,
  'stale-version': 409,
  'duplicate-claim': 409,
  validation: 400,
  incomplete: 400,
  'window-closed': 409,
  'dispute-used': 409,
  'directory-unavailable': 503,
  'assignee-not-reviewer': 400,
  'assignee-own-organisation': 403,
  'already-assigned': 409,
  'delegation-invalid': 400,
  storage: 500,
  'storage-unavailable': 503,
};

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly params: ErrorParams;

  constructor(code: ErrorCode, params: ErrorParams = {}) {
    super(`${code}${Object.keys(params).length ? ` ${JSON.stringify(params)}` : ''}`);
    this.name = 'DomainError';
    this.code = code;
    this.params = params;
  }

  /** The HTTP status an invoke response should carry for this error. */
  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}

export function isDomainError(error: unknown, code?: ErrorCode): error is DomainError {
  return error instanceof DomainError && (code === undefined || error.code === code);
}

/**
 * What a caller may learn of an error. Another organisation's claim is answered exactly as a
 * claim that does not exist: ids are sequential, and "not yours" would confirm that one exists.
 */
export function publicError(error: unknown): unknown {
  if (isDomainError(error, 'wrong-tenant') && typeof error.params.claimId === 'string') {
    return new DomainError('not-found', { claimId: error.params.claimId });
  }
  return error;
}
