// Why a reviewer asks the partner for information (SPEC section 5a): what a PoE must show.
export const INFORMATION_REASONS = [
  'missing-all-poe',
  'missing-customer-acknowledgement',
  'missing-or-old-dates',
  'missing-partner-solution',
  'missing-products',
] as const;
export type InformationReason = (typeof INFORMATION_REASONS)[number];
