import { z } from 'zod';
import { ACTIVITIES, CATALOGUE_EDITIONS, PROGRAMS, SOLUTION_AREAS, WORKLOADS } from './catalogue.js';
import { ROLES } from './actor.js';
import { INFORMATION_REASONS } from './informationReasons.js';
import { StoredPrecheckSchema } from './precheck.js';

// The claim and its parts (SPEC section 2), as stored and as every boundary validates them.

export const STATUSES = ['Draft', 'Submitted', 'InReview', 'PartnerActionRequired', 'Approved', 'Rejected', 'Disputed'] as const;
export type Status = (typeof STATUSES)[number];

export const CONSENT_PHASES = ['window-open', 'associated'] as const;
export type ConsentPhase = (typeof CONSENT_PHASES)[number];

/** How long a customer may opt out: while the consent window is open, or until the claim ends. */
export const CUSTOMER_OPT_OUT_RULES = ['consent-window', 'any-time'] as const;
export type CustomerOptOut = (typeof CUSTOMER_OPT_OUT_RULES)[number];

// The reasons live in their own module so the pre-check's report format can name them.
export { INFORMATION_REASONS, type InformationReason } from './informationReasons.js';

export const REJECTION_REASONS = [
  'partner-request',
  'customer-declined',
  'insufficient-poe',
  'missing-customer-consent-in-poe',
  'missing-products',
  'no-partner-response',
  'poe-not-available',
  'partner-disassociated',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** Reasons a reviewer may pick; the others are set by the lifecycle itself. */
export const REVIEWER_REJECTION_REASONS = [
  'insufficient-poe',
  'missing-customer-consent-in-poe',
  'missing-products',
  'poe-not-available',
] as const satisfies readonly RejectionReason[];

const instant = z.iso.datetime();
const text = (max: number) => z.string().trim().min(1).max(max);

export const GuidSchema = z.guid();
export const DomainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/);
export const PartnerIdSchema = z
  .string()
  .trim()
  .regex(/^\d{4,10}$/);

export const ContactSchema = z.object({
  name: text(120),
  title: text(120).optional(),
  email: z.email().max(254),
});
export type Contact = z.infer<typeof ContactSchema>;

export const CustomerContactSchema = ContactSchema.extend({ title: text(120) });

/** The fields a partner fills in. Every one is optional while the claim is a draft. */
export const ClaimDetailsSchema = z.object({
  program: z.enum(PROGRAMS).optional(),
  /** Derived from the program by the service; never taken from input. */
  solutionArea: z.enum(SOLUTION_AREAS).optional(),
  activity: z.enum(ACTIVITIES).optional(),
  partnerId: PartnerIdSchema.optional(),
  customerDomain: DomainSchema.optional(),
  customerTenantId: GuidSchema.optional(),
  subscriptionId: GuidSchema.optional(),
  workloads: z.array(z.enum(WORKLOADS)).max(WORKLOADS.length).optional(),
  customerContact: CustomerContactSchema.optional(),
  technicalContact: ContactSchema.optional(),
  partnerContact: ContactSchema.optional(),
});
export type ClaimDetails = z.infer<typeof ClaimDetailsSchema>;
export type DetailField = keyof ClaimDetails;
export const DETAIL_FIELDS = Object.keys(ClaimDetailsSchema.shape) as DetailField[];

export const PoeFileSchema = z.object({
  id: z.string().min(1),
  name: text(255),
  contentType: text(200),
  size: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Where the bytes live, relative to DATA_DIR. */
  storagePath: text(500),
  uploadedBy: z.string().min(1),
  uploadedAt: instant,
  /** The pre-check's latest report on the file; absent until it has run (and on older claims). */
  precheck: StoredPrecheckSchema.optional(),
});
export type PoeFile = z.infer<typeof PoeFileSchema>;

export const PoeInputSchema = PoeFileSchema.omit({ id: true, uploadedBy: true, uploadedAt: true, precheck: true });
export type PoeInput = z.infer<typeof PoeInputSchema>;

export const SIDES = ['partner', 'reviewer'] as const;
export type Side = (typeof SIDES)[number];

export const CommentSchema = z.object({
  id: z.string().min(1),
  at: instant,
  authorId: z.string().min(1),
  authorName: z.string().max(200).optional(),
  side: z.enum(SIDES),
  text: text(4000),
});
export type Comment = z.infer<typeof CommentSchema>;

const ACTING_ROLES = [...ROLES, 'customer', 'system'] as const;

export const FieldChangeSchema = z.object({
  field: z.string().min(1),
  from: z.unknown().optional(),
  to: z.unknown().optional(),
});
export type FieldChange = z.infer<typeof FieldChangeSchema>;

export const HistoryEntrySchema = z.object({
  seq: z.number().int().positive(),
  at: instant,
  actorId: z.string().min(1),
  actorTenantId: z.string().optional(),
  /** The actor's display name when it was known: the history shows people, not ids. */
  actorName: z.string().max(200).optional(),
  role: z.enum(ACTING_ROLES),
  action: z.string().min(1),
  fromStatus: z.enum(STATUSES).optional(),
  toStatus: z.enum(STATUSES).optional(),
  changes: z.array(FieldChangeSchema),
  reasons: z.array(z.string()).optional(),
  comment: z.string().optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

export const DEADLINE_NAMES = [
  'reviewStart',
  'reviewDecision',
  'partnerResponse',
  'consentWindow',
  'disputeWindow',
  'disputeDecision',
  // The overall decision date (services/decisionDate.ts); kept in `decisionDue`, not `deadlines`.
  'decision',
] as const;
export type DeadlineName = (typeof DEADLINE_NAMES)[number];

export const TimerSchema = z.object({
  deadline: z.enum(DEADLINE_NAMES),
  /**
   * `due` is the deadline itself; `near` a reminder before it, `offset` naming which one;
   * `escalate` (partner response only) tells the partner's incentives admins before the lapse.
   */
  kind: z.enum(['near', 'due', 'escalate']),
  offset: z.string().optional(),
  dueAt: instant,
  firedAt: instant.optional(),
});
export type Timer = z.infer<typeof TimerSchema>;

/** A reviewer named on a claim (the assignee), as the directory knew them then. */
export const ReviewerRefSchema = z.object({
  userId: z.string().min(1).max(200),
  tenantId: z.guid(),
  name: z.string().max(200).optional(),
});
export type ReviewerRef = z.infer<typeof ReviewerRefSchema>;

export const ClaimSchema = z.object({
  id: z.string().regex(/^CPOR-\d{4}-\d{6,}$/),
  version: z.number().int().positive(),
  createdAt: instant,
  updatedAt: instant,
  createdBy: z.string().min(1),
  partnerTenantId: GuidSchema,
  partnerName: z.string().min(1),
  status: z.enum(STATUSES),
  statusSince: instant,
  consentPhase: z.enum(CONSENT_PHASES).optional(),
  submittedAt: instant.optional(),
  /** The policy's terms when the claim was created; absent on claims stored before they existed. */
  terms: z
    .object({
      catalogue: z.enum(CATALOGUE_EDITIONS),
      customerOptOut: z.enum(CUSTOMER_OPT_OUT_RULES),
      consentNoticeAt: z.enum(['approval', 'submission']),
      disputeInformationRequest: z.boolean(),
    })
    .optional(),
  /** The overall decision date (services/decisionDate.ts) while the first review is open. */
  decisionDue: instant.optional(),
  /** The reviewer who started the review or was handed the claim; absent on claims stored before. */
  assignedReviewer: ReviewerRefSchema.optional(),
  details: ClaimDetailsSchema,
  informationRequest: z.object({ reasons: z.array(z.enum(INFORMATION_REASONS)).min(1), comment: z.string(), at: instant }).optional(),
  rejection: z
    .object({
      reason: z.enum(REJECTION_REASONS),
      comment: z.string().optional(),
      at: instant,
      /** A final rejection can never be disputed. */
      final: z.boolean(),
    })
    .optional(),
  disputesUsed: z.number().int().nonnegative(),
  disputeWindowClosed: z.boolean().optional(),
  deadlines: z.partialRecord(z.enum(DEADLINE_NAMES), instant),
  timers: z.array(TimerSchema),
  poe: z.array(PoeFileSchema),
  comments: z.array(CommentSchema),
  history: z.array(HistoryEntrySchema),
});
export type Claim = z.infer<typeof ClaimSchema>;

/**
 * `reviewer`: one named reviewer (`data.reviewerId`, `data.reviewerTenantId`), or their delegate
 * while they are away; `partner-admins`: the incentives admins of the claim's partner organisation.
 */
export const ALERT_AUDIENCES = ['partner', 'reviewers', 'customer', 'reviewer', 'partner-admins'] as const;
export type AlertAudience = (typeof ALERT_AUDIENCES)[number];

export const ALERT_KINDS = [
  'claim-submitted',
  'claim-resubmitted',
  'claim-disputed',
  'submission-receipt',
  'review-started',
  'information-requested',
  'deadline-near',
  'review-sla-near',
  'review-sla-overdue',
  'approved',
  'consent-notice',
  'customer-opted-out',
  'opt-out-confirmation',
  'associated',
  'rejected',
  'new-comment',
  'poe-prechecked',
  'claim-assigned',
  'claim-unassigned',
  'information-escalated',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const AlertSchema = z.object({
  id: z.string().min(1),
  /** The same state change always yields the same key, so delivery can drop repeats. */
  dedupeKey: z.string().min(1),
  kind: z.enum(ALERT_KINDS),
  to: z.enum(ALERT_AUDIENCES),
  claimId: z.string().min(1),
  claimVersion: z.number().int().positive(),
  createdAt: instant,
  data: z.record(z.string(), z.unknown()),
  state: z.enum(['pending', 'sent', 'dead']),
  attempts: z.number().int().nonnegative(),
  sentAt: instant.optional(),
  lastError: z.string().optional(),
});
export type Alert = z.infer<typeof AlertSchema>;

/** One stored document: a claim and the alerts its changes caused, written together. */
export const ClaimDocumentSchema = z.object({
  claim: ClaimSchema,
  outbox: z.array(AlertSchema),
});
export type ClaimDocument = z.infer<typeof ClaimDocumentSchema>;
