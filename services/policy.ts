import { z } from 'zod';
import { isValidTimeZone } from './businessCalendar.js';
import type { CatalogueEdition } from './catalogue.js';
import { DEFAULT_MAX_DATE_AGE_MONTHS } from './precheck.js';
import type { CustomerOptOut, DeadlineName, Status } from './model.js';

// Every timer and rule of the lifecycle in one object (SPEC section 3), chosen by configuration.

export interface TimerRule {
  /** Length, in the unit below. */
  length: number;
  unit: 'business-days' | 'calendar-days';
  /** Reminders before the deadline, in the same unit; each fires once. */
  nearOffsets: readonly number[];
}

export interface Policy {
  name: PolicyName;
  timeZone: string;
  holidays: readonly string[];
  timers: Record<DeadlineName, TimerRule>;
  /** Statuses in which a partner may edit a claim other than a draft. */
  editableStatuses: readonly Status[];
  /** How many disputes one claim may have. */
  maxDisputes: number;
  /** Whether a partner may end an approved association (ends as Rejected, final). */
  allowDisassociation: boolean;
  /** PoE files: what a claim accepts. */
  poe: {
    maxBytes: number;
    maxFiles: number;
    extensions: readonly string[];
    /** The pre-check: how old, in months, the latest date in a PoE may be relative to the claim. */
    maxDateAgeMonths: number;
  };
  /** When the customer gets the consent notice. */
  consentNoticeAt: 'approval' | 'submission';
  /** While the consent window is open, or at any time until the claim ends. */
  customerOptOut: CustomerOptOut;
  /** Whether a reviewer may ask the partner for information before deciding a dispute. */
  disputeInformationRequest: boolean;
  /** The program and solution area names shown. */
  catalogue: CatalogueEdition;
}

export const POLICY_NAMES = ['seed-2020', 'partner-center-2023'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

const fiveBusinessDays: TimerRule = { length: 5, unit: 'business-days', nearOffsets: [1] };

const POE_RULES: Policy['poe'] = {
  maxBytes: 10 * 1024 * 1024,
  maxFiles: 20,
  extensions: ['pdf', 'docx', 'xlsx', 'pptx', 'png', 'jpg', 'jpeg', 'eml', 'msg'],
  maxDateAgeMonths: DEFAULT_MAX_DATE_AGE_MONTHS,
};

/** The seed articles (2020): five business days for everything but the 30-day dispute window. */
const SEED_2020: Omit<Policy, 'timeZone' | 'holidays'> = {
  name: 'seed-2020',
  timers: {
    reviewStart: fiveBusinessDays,
    reviewDecision: fiveBusinessDays,
    partnerResponse: fiveBusinessDays,
    consentWindow: { length: 5, unit: 'business-days', nearOffsets: [] },
    disputeWindow: { length: 30, unit: 'calendar-days', nearOffsets: [7, 1] },
    disputeDecision: fiveBusinessDays,
    // Review time before the overall decision date; time waiting for the partner is added to it.
    decision: { length: 10, unit: 'business-days', nearOffsets: [1] },
  },
  editableStatuses: ['Submitted', 'PartnerActionRequired'],
  maxDisputes: 1,
  allowDisassociation: false,
  poe: POE_RULES,
  consentNoticeAt: 'approval',
  customerOptOut: 'consent-window',
  disputeInformationRequest: false,
  catalogue: 'seed-2020',
};

/**
 * The later Partner Center articles: the customer is told at submission and may decline at any
 * time, a disputed claim may go back to the partner, engagements are renamed. The 14 business days
 * have no public source: a configurable assumption (README).
 */
const PARTNER_CENTER_2023: Omit<Policy, 'timeZone' | 'holidays'> = {
  ...SEED_2020,
  name: 'partner-center-2023',
  timers: {
    ...SEED_2020.timers,
    reviewStart: { length: 14, unit: 'business-days', nearOffsets: [1] },
    reviewDecision: { length: 14, unit: 'business-days', nearOffsets: [1] },
    partnerResponse: { length: 14, unit: 'business-days', nearOffsets: [1] },
  },
  editableStatuses: ['PartnerActionRequired'],
  maxDisputes: 1,
  allowDisassociation: true,
  consentNoticeAt: 'submission',
  customerOptOut: 'any-time',
  disputeInformationRequest: true,
  catalogue: 'partner-center-2023',
};

const PRESETS: Record<PolicyName, Omit<Policy, 'timeZone' | 'holidays'>> = {
  'seed-2020': SEED_2020,
  'partner-center-2023': PARTNER_CENTER_2023,
};

export const PolicyOptionsSchema = z.object({
  name: z.enum(POLICY_NAMES).default('seed-2020'),
  timeZone: z.string().default('UTC').refine(isValidTimeZone, { message: 'not an IANA time zone name (e.g. Europe/Madrid)' }),
  holidays: z.array(z.iso.date()).default([]),
});
export type PolicyOptions = z.input<typeof PolicyOptionsSchema>;

export function createPolicy(options: PolicyOptions = {}): Policy {
  const { name, timeZone, holidays } = PolicyOptionsSchema.parse(options);
  return { ...PRESETS[name], timeZone, holidays };
}
