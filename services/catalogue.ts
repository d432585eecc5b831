// What a claim may name: programs, their solution areas, activities and workloads (SPEC section 2).

export const PROGRAMS = ['OSA', 'OSU-M365', 'OSU-BizApps'] as const;
export type Program = (typeof PROGRAMS)[number];

export const SOLUTION_AREAS = ['Microsoft 365', 'Business Applications'] as const;
export type SolutionArea = (typeof SOLUTION_AREAS)[number];

export const ACTIVITIES = ['Presales', 'Usage', 'Revenue association'] as const;
export type Activity = (typeof ACTIVITIES)[number];

export const M365_WORKLOADS = [
  'Exchange',
  'SharePoint',
  'Teams',
  'Intune',
  'Microsoft 365 Apps',
  'Viva',
  'Defender',
  'Entra ID P1',
  'Entra ID P2',
  'Purview',
  'Windows',
] as const;

export const BIZAPPS_WORKLOADS = [
  'Dynamics 365 Sales',
  'Dynamics 365 Customer Service',
  'Dynamics 365 Field Service',
  'Dynamics 365 Finance',
  'Dynamics 365 Supply Chain Management',
  'Dynamics 365 Business Central',
  'Power Apps',
  'Power Automate',
  'Power BI',
  'Power Pages',
  'Copilot Studio',
] as const;

export const WORKLOADS = [...M365_WORKLOADS, ...BIZAPPS_WORKLOADS] as const;
export type Workload = (typeof WORKLOADS)[number];

const PROGRAM_AREA: Record<Program, SolutionArea> = {
  // OSA Sell is advisory work on Dynamics 365 deals, judged per subscription like OSU-BizApps.
  OSA: 'Business Applications',
  'OSU-M365': 'Microsoft 365',
  'OSU-BizApps': 'Business Applications',
};

const AREA_ACTIVITIES: Record<SolutionArea, readonly Activity[]> = {
  'Microsoft 365': ['Usage'],
  'Business Applications': ['Presales', 'Usage', 'Revenue association'],
};

const AREA_WORKLOADS: Record<SolutionArea, readonly Workload[]> = {
  'Microsoft 365': M365_WORKLOADS,
  'Business Applications': BIZAPPS_WORKLOADS,
};

export function solutionAreaOf(program: Program): SolutionArea {
  return PROGRAM_AREA[program];
}

export function activitiesFor(program: Program): readonly Activity[] {
  return AREA_ACTIVITIES[solutionAreaOf(program)];
}

export function workloadsFor(program: Program): readonly Workload[] {
  return AREA_WORKLOADS[solutionAreaOf(program)];
}

/** Business Applications claims are keyed by subscription and need its id. */
export function requiresSubscription(program: Program): boolean {
  return solutionAreaOf(program) === 'Business Applications';
}

/** Dynamics 365 workloads need a technical contact at the customer as well. */
export function requiresTechnicalContact(workloads: readonly Workload[]): boolean {
  return workloads.some((workload) => workload.startsWith('Dynamics 365'));
}

export const POE_CONTENT_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  eml: 'message/rfc822',
  msg: 'application/vnd.ms-outlook',
};

/**
 * The names Partner Center shows, which changed after the seeds: `seed-2020` has the seed articles'
 * programs and solution areas, `partner-center-2023` the later engagements and solution areas.
 * Program names stay in English in every language, as the seeds keep them.
 */
export const CATALOGUE_EDITIONS = ['seed-2020', 'partner-center-2023'] as const;
export type CatalogueEdition = (typeof CATALOGUE_EDITIONS)[number];

const PROGRAM_NAMES: Record<CatalogueEdition, Record<Program, string>> = {
  'seed-2020': {
    OSA: 'OSA Sell (Online Services Advisory Sell)',
    'OSU-M365': 'OSU-Microsoft 365 (Online Services Usage)',
    'OSU-BizApps': 'OSU-Business Applications (Online Services Usage)',
  },
  'partner-center-2023': {
    OSA: 'MCI BizApps Presales Advisor',
    'OSU-M365': 'MCI Modern Work and Security Usage',
    'OSU-BizApps': 'MCI BizApps Usage',
  },
};

const SOLUTION_AREA_NAMES: Record<CatalogueEdition, Record<SolutionArea, string>> = {
  'seed-2020': { 'Microsoft 365': 'Microsoft 365', 'Business Applications': 'Business Applications' },
  'partner-center-2023': { 'Microsoft 365': 'Modern Work and Security', 'Business Applications': 'Business Applications' },
};

export function programName(program: Program, edition: CatalogueEdition = 'seed-2020'): string {
  return PROGRAM_NAMES[edition][program];
}

/** The name without its spelled-out abbreviation ("OSU-Microsoft 365"), short enough for a button. */
export function programShortName(program: Program, edition: CatalogueEdition = 'seed-2020'): string {
  return programName(program, edition).replace(/\s*\([^)]*\)$/, '');
}

export function solutionAreaName(area: SolutionArea, edition: CatalogueEdition = 'seed-2020'): string {
  return SOLUTION_AREA_NAMES[edition][area];
}
