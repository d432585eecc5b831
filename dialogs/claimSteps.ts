import { z } from 'zod';
import { poeChecklist } from '../cards/format.js';
import { checklistLines } from '../cards/precheckText.js';
import { describeIssues } from '../cards/i18n/errorMessages.js';
import type { Translator } from '../cards/i18n/i18n.js';
import {
  ACTIVITIES,
  PROGRAMS,
  activitiesFor,
  programName,
  programShortName,
  requiresSubscription,
  requiresTechnicalContact,
  workloadsFor,
  type Activity,
  type CatalogueEdition,
  type Program,
  type Workload,
} from '../services/catalogue.js';
import { missingForSubmission } from '../services/claimValidation.js';
import type { UpdateInput } from '../services/commandInputs.js';
import { DomainSchema, GuidSchema, type Claim, type Contact } from '../services/model.js';
import { catalogueOf } from '../services/consentRules.js';
import { acceptedTypes, formatInstant, formatSize, isWord, pickOption } from './answers.js';
import { closest } from './textMatch.js';
import { choiceCard, fieldsCard, formText, parseForm, workloadsCard, type Fact, type FieldInput, type FormAction } from './forms.js';
import { receiveFiles } from './poeReplies.js';
import type { Step, StepContext, StepInput, StepResult } from './stepDialog.js';
import { literal } from '../cards/markdown.js';

// The steps that fill in a claim, shared by the create and edit dialogs: each asks for one part
// (a card where a form beats a prompt), validates it at once, and saves it to the draft with
// `ClaimService.update`, so nothing entered is lost when the conversation stops.

const ACTIVITY_KEYS: Record<Activity, string> = {
  Presales: 'presales',
  Usage: 'usage',
  'Revenue association': 'revenueAssociation',
};

/** Program names stay in English (the seeds keep them), as named by the claim's terms. */
export const programLabel = (program: Program, edition: CatalogueEdition): string => programName(program, edition);
export const activityLabel = (t: Translator, activity: Activity): string => t.t(`dialogs.activities.${ACTIVITY_KEYS[activity]}`);

const EmptyForm = z.object({}).strict();
const ChoiceForm = z.object({ choice: z.string() }).strict();

function hint(ctx: StepContext): string {
  return ctx.t.t('dialogs.common.hint');
}

function withBack(ctx: StepContext, actions: FormAction[]): FormAction[] {
  return ctx.state.trail.length ? [...actions, ctx.buttons.back()] : actions;
}

/** Saves `input` on the claim; `next` when it took, else what the service said. */
async function save(ctx: StepContext, input: UpdateInput, say?: string): Promise<StepResult> {
  const outcome = await ctx.write((version) => ctx.services.claims.update(ctx.turn.actor, ctx.state.claimId!, version, input));
  if (!outcome.ok) return outcome.result;
  return { kind: 'next', ...(say ? { say } : {}) };
}

/** The value of a one-choice card button, or of typed text matched against the options. */
function chosen<T extends string>(ctx: StepContext, input: StepInput, options: readonly T[], label: (option: T) => string): T | StepResult {
  if (input.kind === 'files') return { kind: 'retry', say: ctx.t.t('dialogs.poe.notNow') };
  if (input.kind === 'form') {
    const parsed = parseForm(ChoiceForm, input.fields, ctx.t);
    if (!parsed.ok) return { kind: 'retry', say: parsed.message };
    const option = options.find((candidate) => candidate === parsed.data.choice);
    return option ?? { kind: 'retry', say: ctx.t.t('dialogs.form.invalid') };
  }
  const option = pickOption(input.text, options, label);
  if (option) return option;
  const pickOne = ctx.t.t('dialogs.common.pickOne', { options: ctx.t.formatList(options.map((candidate) => label(candidate))) });
  return { kind: 'retry', say: withSuggestion(ctx.t, pickOne, input.text, options.map(label)) };
}

/** `message`, then "Did you mean Exchange?" when what was typed is a near miss of one option. */
function withSuggestion(t: Translator, message: string, typed: string, labels: readonly string[]): string {
  const near = closest(typed, labels);
  return near ? `${message} ${t.t('dialogs.common.didYouMean', { suggestion: near })}` : message;
}

function isResult(value: unknown): value is StepResult {
  return typeof value === 'object' && value !== null && 'kind' in value;
}

// ---- program, activity, PartnerID ----------------------------------------------------------

export const programStep: Step = {
  id: 'program',
  prompt: (ctx) => [
    choiceCard({
      title: ctx.t.t('dialogs.program.title'),
      text: ctx.t.t('dialogs.program.text'),
      // Full names in the text, short ones on the buttons: clients cut a long button title off.
      lines: PROGRAMS.map((program) => programLabel(program, ctx.services.policy.catalogue)),
      hint: hint(ctx),
      actions: withBack(
        ctx,
        PROGRAMS.map((program) => ctx.buttons.choice(programShortName(program, ctx.services.policy.catalogue), 'choose', { choice: program })),
      ),
    }),
  ],
  async handle(ctx, input) {
    const program = chosen(ctx, input, PROGRAMS, (option) => programLabel(option, ctx.services.policy.catalogue));
    if (isResult(program)) return program;
    const { claims } = ctx.services;
    const onlyActivity = activitiesFor(program).length === 1 ? activitiesFor(program)[0] : undefined;
    if (!ctx.state.claimId) {
      // The draft exists from the first answer on: every later step is saved to it.
      const claim = await claims.create(ctx.turn.actor, { program, ...(onlyActivity ? { activity: onlyActivity } : {}) });
      ctx.state.claimId = claim.id;
      ctx.state.version = claim.version;
      return { kind: 'next', say: ctx.t.t('dialogs.program.created', { claimId: claim.id }) };
    }
    const { details } = await ctx.claim();
    if (details.program === program) return { kind: 'next' };
    // A new program can make the activity and workloads chosen for the old one invalid.
    const activity = details.activity && activitiesFor(program).includes(details.activity) ? details.activity : activitiesFor(program)[0];
    const workloads = (details.workloads ?? []).filter((workload) => workloadsFor(program).includes(workload));
    return save(ctx, { program, ...(activity ? { activity } : {}), workloads });
  },
};

export const activityStep: Step = {
  id: 'activity',
  applies: async (ctx) => {
    const { program } = (await ctx.claim()).details;
    return program !== undefined && activitiesFor(program).length > 1;
  },
  async prompt(ctx) {
    const claim = await ctx.claim();
    const { program } = claim.details;
    return [
      choiceCard({
        title: ctx.t.t('dialogs.activity.title'),
        text: ctx.t.t('dialogs.activity.text', { program: programLabel(program!, catalogueOf(claim)) }),
        hint: hint(ctx),
        actions: withBack(
          ctx,
          activitiesFor(program!).map((activity) => ctx.buttons.choice(activityLabel(ctx.t, activity), 'choose', { choice: activity })),
        ),
      }),
    ];
  },
  async handle(ctx, input) {
    const { program } = (await ctx.claim()).details;
    const activity = chosen(ctx, input, program ? activitiesFor(program) : ACTIVITIES, (option) => activityLabel(ctx.t, option));
    if (isResult(activity)) return activity;
    return save(ctx, { activity });
  },
};

export const partnerIdStep: Step = {
  id: 'partnerId',
  applies: (ctx) => (ctx.turn.actor.organisation?.partnerIds.length ?? 0) > 1,
  prompt: (ctx) => [
    choiceCard({
      title: ctx.t.t('dialogs.partnerId.title'),
      text: ctx.t.t('dialogs.partnerId.text'),
      hint: hint(ctx),
      actions: withBack(
        ctx,
        (ctx.turn.actor.organisation?.partnerIds ?? []).map((id) => ctx.buttons.choice(id, 'choose', { choice: id })),
      ),
    }),
  ],
  async handle(ctx, input) {
    const partnerId = chosen(ctx, input, ctx.turn.actor.organisation?.partnerIds ?? [], (id) => id);
    if (isResult(partnerId)) return partnerId;
    return save(ctx, { partnerId });
  },
};

// ---- customer tenant and subscription -----------------------------------------------------

const GUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The partner contact starts as the signed-in person (their name and email), until one is saved. */
function profileValue(ctx: StepContext, kind: ContactKind, key: 'name' | 'title' | 'email'): string | undefined {
  if (kind !== 'partner') return undefined;
  if (key === 'name') return ctx.turn.actor.displayName;
  const { email } = ctx.turn.actor;
  return key === 'email' && email && EmailSchema.safeParse(email).success ? email : undefined;
}

/**
 * Keeps a refused form's values, so the form asked again shows what was typed (only strings),
 * and which fields were wrong, so only those are marked.
 */
function keepEntered(ctx: StepContext, fields: Record<string, unknown>, invalid: Record<string, string>): void {
  ctx.state.entered = Object.fromEntries(
    Object.entries(fields).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1].length <= 500),
  );
  ctx.state.invalid = invalid;
}

function input(
  ctx: StepContext,
  id: string,
  label: string,
  value: string | undefined,
  placeholder: string,
  required: boolean,
  errorMessage: string,
): FieldInput {
  return {
    id,
    label,
    value: value ?? '',
    placeholder,
    style: id.toLowerCase().includes('email') ? 'email' : 'text',
    required,
    errorMessage,
    problem: ctx.state.invalid?.[id] ?? '',
  };
}

export const customerStep: Step = {
  id: 'customer',
  async prompt(ctx) {
    const { details } = await ctx.claim();
    const { t } = ctx;
    return [
      fieldsCard({
        title: t.t('dialogs.customer.title'),
        text: t.t('dialogs.customer.text'),
        sections: [
          {
            heading: '',
            inputs: [
              input(
                ctx,
                'customerDomain',
                t.t('dialogs.labels.customerDomain'),
                ctx.state.entered?.customerDomain ?? details.customerDomain,
                'contoso.onmicrosoft.com',
                true,
                t.t('dialogs.customer.badDomainShort'),
              ),
              input(
                ctx,
                'customerTenantId',
                t.t('dialogs.labels.customerTenantId'),
                ctx.state.entered?.customerTenantId ?? details.customerTenantId,
                '00000000-0000-0000-0000-000000000000',
                true,
                t.t('dialogs.common.badGuidShort'),
              ),
            ],
          },
        ],
        hint: `${t.t('dialogs.customer.tenantHint')} ${t.t('dialogs.customer.typeHint')} ${hint(ctx)}`,
        actions: withBack(ctx, [ctx.buttons.action(t.t('dialogs.common.continueButton'), 'save', {}, 'positive')]),
      }),
    ];
  },
  async handle(ctx, entry) {
    const { t } = ctx;
    let domain: string;
    let tenant: string;
    if (entry.kind === 'files') return { kind: 'retry', say: t.t('dialogs.poe.notNow') };
    if (entry.kind === 'form') {
      const parsed = parseForm(z.object({ customerDomain: formText, customerTenantId: formText }).strict(), entry.fields, t);
      if (!parsed.ok) return { kind: 'retry', say: parsed.message };
      domain = parsed.data.customerDomain.trim();
      tenant = parsed.data.customerTenantId.trim();
    } else {
      // Typed: the domain and the tenant id in either order, e.g. "fabrikam.onmicrosoft.com 3333...".
      const words = entry.text.split(/[\s,;]+/).filter(Boolean);
      if (words.length !== 2) return { kind: 'retry', say: t.t('dialogs.customer.typeHint') };
      const guidFirst = GUID_SHAPE.test(words[0]!) || (!GUID_SHAPE.test(words[1]!) && /^[0-9a-f-]+$/i.test(words[0]!));
      [tenant, domain] = guidFirst ? [words[0]!, words[1]!] : [words[1]!, words[0]!];
    }
    const problems: string[] = [];
    const invalid: Record<string, string> = {};
    if (!domain) problems.push(t.t('dialogs.common.required', { field: t.t('dialogs.labels.customerDomain') }));
    else if (!DomainSchema.safeParse(domain).success) problems.push(t.t('dialogs.customer.badDomain', { value: literal(domain) }));
    if (problems.length) invalid.customerDomain = t.t(domain ? 'dialogs.customer.badDomainShort' : 'dialogs.contacts.requiredShort');
    if (!tenant) problems.push(t.t('dialogs.common.required', { field: t.t('dialogs.labels.customerTenantId') }));
    else if (!GuidSchema.safeParse(tenant).success)
      problems.push(t.t('dialogs.common.badGuid', { value: literal(tenant), field: t.t('dialogs.labels.customerTenantId') }));
    if (problems.length > Object.keys(invalid).length) {
      invalid.customerTenantId = t.t(tenant ? 'dialogs.common.badGuidShort' : 'dialogs.contacts.requiredShort');
    }
    if (problems.length) {
      keepEntered(ctx, { customerDomain: domain, customerTenantId: tenant }, invalid);
      return { kind: 'retry', say: problems.join('\n\n') };
    }
    return save(ctx, { customerDomain: domain.toLowerCase(), customerTenantId: tenant.toLowerCase() });
  },
};

export const subscriptionStep: Step = {
  id: 'subscription',
  applies: async (ctx) => {
    const { program } = (await ctx.claim()).details;
    return program !== undefined && requiresSubscription(program);
  },
  async prompt(ctx) {
    const { details } = await ctx.claim();
    const { t } = ctx;
    return [
      fieldsCard({
        title: t.t('dialogs.subscription.title'),
        text: t.t('dialogs.subscription.text'),
        sections: [
          {
            heading: '',
            inputs: [
              input(
                ctx,
                'subscriptionId',
                t.t('dialogs.labels.subscriptionId'),
                ctx.state.entered?.subscriptionId ?? details.subscriptionId,
                '00000000-0000-0000-0000-000000000000',
                true,
                t.t('dialogs.common.badGuidShort'),
              ),
            ],
          },
        ],
        hint: hint(ctx),
        actions: withBack(ctx, [ctx.buttons.action(t.t('dialogs.common.continueButton'), 'save', {}, 'positive')]),
      }),
    ];
  },
  async handle(ctx, entry) {
    const { t } = ctx;
    let value: string;
    if (entry.kind === 'files') return { kind: 'retry', say: t.t('dialogs.poe.notNow') };
    if (entry.kind === 'form') {
      const parsed = parseForm(z.object({ subscriptionId: formText }).strict(), entry.fields, t);
      if (!parsed.ok) return { kind: 'retry', say: parsed.message };
      value = parsed.data.subscriptionId.trim();
    } else {
      value = entry.text.trim();
    }
    const field = t.t('dialogs.labels.subscriptionId');
    if (!value) return { kind: 'retry', say: t.t('dialogs.common.required', { field }) };
    if (!GuidSchema.safeParse(value).success) {
      keepEntered(ctx, { subscriptionId: value }, { subscriptionId: t.t('dialogs.common.badGuidShort') });
      return { kind: 'retry', say: t.t('dialogs.common.badGuid', { value: literal(value), field }) };
    }
    return save(ctx, { subscriptionId: value.toLowerCase() });
  },
};

// ---- workloads ----------------------------------------------------------------------------

export const workloadsStep: Step = {
  id: 'workloads',
  async prompt(ctx) {
    const claim = await ctx.claim();
    const { details } = claim;
    const { t } = ctx;
    const options = details.program ? workloadsFor(details.program) : [];
    return [
      workloadsCard({
        title: t.t('dialogs.workloads.title'),
        text: t.t('dialogs.workloads.text', { program: details.program ? programLabel(details.program, catalogueOf(claim)) : '' }),
        label: t.t('dialogs.labels.workloads'),
        value: (details.workloads ?? []).join(','),
        errorMessage: t.t('dialogs.workloads.required'),
        choices: options.map((workload) => ({ title: workload, value: workload })),
        hint: `${t.t('dialogs.workloads.typeHint')} ${hint(ctx)}`,
        actions: withBack(ctx, [ctx.buttons.action(t.t('dialogs.common.continueButton'), 'save', {}, 'positive')]),
      }),
    ];
  },
  async handle(ctx, entry) {
    const { t } = ctx;
    const { program } = (await ctx.claim()).details;
    if (!program) return { kind: 'goto', step: 'program' };
    let names: string[];
    if (entry.kind === 'files') return { kind: 'retry', say: t.t('dialogs.poe.notNow') };
    if (entry.kind === 'form') {
      const parsed = parseForm(z.object({ workloads: formText }).strict(), entry.fields, t);
      if (!parsed.ok) return { kind: 'retry', say: parsed.message };
      names = parsed.data.workloads.split(',');
    } else {
      names = entry.text.split(/[,;\n]/);
    }
    names = names.map((name) => name.trim()).filter(Boolean);
    if (!names.length) return { kind: 'retry', say: t.t('dialogs.workloads.required') };
    const catalogue = workloadsFor(program);
    const picked: Workload[] = [];
    const unknown: string[] = [];
    for (const name of names) {
      const match = pickOption(name, catalogue, (workload) => workload);
      // Numbers are accepted only when typed; a card always sends names.
      if (match && (entry.kind === 'text' || match === name)) picked.push(match);
      else unknown.push(name);
    }
    if (unknown.length) {
      const refusal = t.t('dialogs.workloads.unknown', {
        unknown: t.formatList(unknown),
        program: programLabel(program, catalogueOf(await ctx.claim())),
        options: catalogue.join(', '),
      });
      return { kind: 'retry', say: unknown.length === 1 ? withSuggestion(t, refusal, unknown[0]!, catalogue) : refusal };
    }
    return save(ctx, { workloads: [...new Set(picked)] });
  },
};

// ---- contacts -----------------------------------------------------------------------------

type ContactKind = 'customer' | 'technical' | 'partner';

const contactFields = (kind: ContactKind): Array<'Name' | 'Title' | 'Email'> => (kind === 'partner' ? ['Name', 'Email'] : ['Name', 'Title', 'Email']);

async function contactKinds(ctx: StepContext): Promise<ContactKind[]> {
  const { details } = await ctx.claim();
  return requiresTechnicalContact(details.workloads ?? []) ? ['customer', 'technical', 'partner'] : ['customer', 'partner'];
}

const NameSchema = z.string().trim().min(1).max(120);
const EmailSchema = z.email().max(254);

export const contactsStep: Step = {
  id: 'contacts',
  async prompt(ctx) {
    const { details } = await ctx.claim();
    const { t } = ctx;
    const current: Record<ContactKind, Contact | undefined> = {
      customer: details.customerContact,
      technical: details.technicalContact,
      partner: details.partnerContact,
    };
    const kinds = await contactKinds(ctx);
    return [
      fieldsCard({
        title: t.t('dialogs.contacts.heading'),
        text: t.t(kinds.includes('technical') ? 'dialogs.contacts.textTechnical' : 'dialogs.contacts.text'),
        sections: kinds.map((kind) => ({
          heading: t.t(`dialogs.labels.${kind}Contact`),
          inputs: contactFields(kind).map((field) => {
            const key = field.toLowerCase() as 'name' | 'title' | 'email';
            // A technical contact's title is optional, as the model has it.
            const required = !(kind === 'technical' && field === 'Title');
            return input(
              ctx,
              `${kind}${field}`,
              t.t(`dialogs.contacts.${key}`),
              ctx.state.entered?.[`${kind}${field}`] ?? current[kind]?.[key] ?? profileValue(ctx, kind, key),
              t.t(`dialogs.contacts.${key}Placeholder`),
              required,
              t.t(key === 'email' ? 'dialogs.contacts.badEmailShort' : 'dialogs.contacts.requiredShort'),
            );
          }),
        })),
        hint: hint(ctx),
        actions: withBack(ctx, [ctx.buttons.action(t.t('dialogs.common.continueButton'), 'save', {}, 'positive')]),
      }),
    ];
  },
  async handle(ctx, entry) {
    const { t } = ctx;
    if (entry.kind === 'files') return { kind: 'retry', say: t.t('dialogs.poe.notNow') };
    if (entry.kind === 'text') return { kind: 'retry', say: t.t('dialogs.contacts.useForm') };
    const kinds = await contactKinds(ctx);
    // The form's shape depends on the workloads: technical fields are refused when not asked for.
    const shape: Record<string, z.ZodType> = {};
    for (const kind of kinds) {
      for (const field of contactFields(kind)) shape[`${kind}${field}`] = kind === 'technical' && field === 'Title' ? formText.optional() : formText;
    }
    const parsed = parseForm(z.object(shape).strict(), entry.fields, t);
    if (!parsed.ok) return { kind: 'retry', say: parsed.message };
    const values = parsed.data as Record<string, string | undefined>;

    const problems: string[] = [];
    const invalid: Record<string, string> = {};
    const refuse = (field: string, problem: string, short: string) => {
      problems.push(problem);
      invalid[field] = short;
    };
    const contacts: Partial<Record<ContactKind, Contact>> = {};
    for (const kind of kinds) {
      const who = t.t(`dialogs.labels.${kind}Contact`);
      const name = values[`${kind}Name`]?.trim() ?? '';
      const title = values[`${kind}Title`]?.trim() ?? '';
      const email = values[`${kind}Email`]?.trim() ?? '';
      const before = problems.length;
      const missingOrLong = (field: 'Name' | 'Title', value: string) => {
        const problem = t.t(value ? 'dialogs.contacts.tooLong' : 'dialogs.contacts.required', { who, field: t.t(`dialogs.contacts.${field.toLowerCase()}`) });
        refuse(`${kind}${field}`, problem, value ? problem : t.t('dialogs.contacts.requiredShort'));
      };
      if (!NameSchema.safeParse(name).success) missingOrLong('Name', name);
      if (kind === 'customer' && !NameSchema.safeParse(title).success) missingOrLong('Title', title);
      if (kind === 'technical' && title.length > 120) missingOrLong('Title', title);
      if (!email)
        refuse(`${kind}Email`, t.t('dialogs.contacts.required', { who, field: t.t('dialogs.contacts.email') }), t.t('dialogs.contacts.requiredShort'));
      else if (!EmailSchema.safeParse(email).success) {
        refuse(`${kind}Email`, t.t('dialogs.contacts.badEmail', { who, value: literal(email) }), t.t('dialogs.contacts.badEmailShort'));
      }
      if (problems.length === before) contacts[kind] = { name, email, ...(title ? { title } : {}) };
    }
    if (problems.length) {
      keepEntered(ctx, entry.fields, invalid);
      return { kind: 'retry', say: problems.join('\n\n') };
    }
    return save(ctx, {
      customerContact: contacts.customer as Contact & { title: string },
      partnerContact: contacts.partner!,
      ...(contacts.technical ? { technicalContact: contacts.technical } : {}),
    });
  },
};

// ---- proof of execution -------------------------------------------------------------------

export const poeStep: Step = {
  id: 'poe',
  async prompt(ctx) {
    const claim = await ctx.claim();
    const { t } = ctx;
    const { rules } = ctx.services.poe;
    return [
      choiceCard({
        title: t.t('dialogs.poe.title'),
        text: t.t('dialogs.poe.text', { types: acceptedTypes(t, rules), max: formatSize(t, rules.maxBytes) }),
        // SPEC 5a: what reviewers check, shown before the partner picks files, not after a refusal.
        lines: [poeChecklist(t), ...poeLines(t, claim)],
        hint: hint(ctx),
        actions: withBack(ctx, [ctx.buttons.choice(t.t('dialogs.poe.doneButton'), 'done', {}, 'positive')]),
      }),
    ];
  },
  async handle(ctx, entry) {
    const { t } = ctx;
    if (entry.kind === 'files') {
      const intake = await receiveFiles(ctx, 'attach');
      const next = intake.received ? t.t('dialogs.poe.more') : t.t('dialogs.poe.tryAgain');
      return { kind: 'stay', say: [...intake.lines, next].join('\n\n') };
    }
    if (entry.kind === 'form') {
      const parsed = parseForm(EmptyForm, entry.fields, t);
      if (!parsed.ok) return { kind: 'retry', say: parsed.message };
      if (entry.action !== 'done') return { kind: 'retry', say: t.t('dialogs.form.invalid') };
    } else if (!isWord(t, entry.text, 'done')) {
      return { kind: 'retry', say: t.t('dialogs.poe.sendFile') };
    }
    if ((await ctx.claim()).poe.length === 0) return { kind: 'retry', say: t.t('dialogs.poe.needOne') };
    return { kind: 'next' };
  },
};

/** Before Submit: the pre-check over all the files, and that it does not stop a submission. */
function precheckLines(t: Translator, claim: Claim): string[] {
  const lines = checklistLines(t, claim.poe);
  // One item of the card's list, its own lines below its heading (as poeChecklist is).
  return lines.length ? [[t.t('cards.precheck.heading'), ...lines, t.t('cards.precheck.maySubmit')].join('\n')] : [];
}

export function poeLines(t: Translator, claim: Claim): string[] {
  return claim.poe.map((file) => t.t('dialogs.poe.line', { name: literal(file.name), size: formatSize(t, file.size) }));
}

// ---- what the claim holds -----------------------------------------------------------------

function contactText(contact: Contact | undefined, t: Translator): string {
  if (!contact) return t.t('dialogs.common.none');
  return literal([contact.name, contact.title, contact.email].filter(Boolean).join(', '));
}

/** The claim's fields as label/value pairs, in the reader's language. */
export function claimFacts(t: Translator, claim: Claim, timeZone: string): Fact[] {
  const { details } = claim;
  const none = t.t('dialogs.common.none');
  const facts: Fact[] = [
    { title: t.t('dialogs.labels.status'), value: t.t(`claims.status.${claim.status}`) },
    { title: t.t('dialogs.labels.program'), value: details.program ? programLabel(details.program, catalogueOf(claim)) : none },
    { title: t.t('dialogs.labels.activity'), value: details.activity ? activityLabel(t, details.activity) : none },
    { title: t.t('dialogs.labels.partnerId'), value: details.partnerId ? literal(details.partnerId) : none },
    { title: t.t('dialogs.labels.customerDomain'), value: details.customerDomain ? literal(details.customerDomain) : none },
    { title: t.t('dialogs.labels.customerTenantId'), value: details.customerTenantId ? literal(details.customerTenantId) : none },
  ];
  if (details.subscriptionId || (details.program && requiresSubscription(details.program))) {
    facts.push({ title: t.t('dialogs.labels.subscriptionId'), value: details.subscriptionId ? literal(details.subscriptionId) : none });
  }
  facts.push({ title: t.t('dialogs.labels.workloads'), value: details.workloads?.length ? details.workloads.join(', ') : none });
  facts.push({ title: t.t('dialogs.labels.customerContact'), value: contactText(details.customerContact, t) });
  if (details.technicalContact || requiresTechnicalContact(details.workloads ?? [])) {
    facts.push({ title: t.t('dialogs.labels.technicalContact'), value: contactText(details.technicalContact, t) });
  }
  facts.push({ title: t.t('dialogs.labels.partnerContact'), value: contactText(details.partnerContact, t) });
  facts.push({ title: t.t('dialogs.labels.poe'), value: String(claim.poe.length) });
  facts.push({ title: t.t('dialogs.labels.updated'), value: formatInstant(t, claim.updatedAt, timeZone) });
  return facts;
}

// ---- the summary: submit or keep as a draft -----------------------------------------------

export const summaryStep: Step = {
  id: 'summary',
  async prompt(ctx) {
    const claim = await ctx.claim();
    // Submit confirms the claim as this card shows it, with changes the system made since the
    // partner's last answer (a pre-check report), so those do not make the Submit click stale.
    ctx.state.version = claim.version;
    const { t } = ctx;
    const missing = missingForSubmission(claim);
    return [
      choiceCard({
        title: t.t('dialogs.summary.title', { claimId: claim.id }),
        text: t.t('dialogs.summary.text'),
        facts: claimFacts(t, claim, ctx.turn.user.timeZone),
        lines: [...poeLines(t, claim), ...precheckLines(t, claim)],
        note: missing.length ? t.t('dialogs.summary.missing', { issues: describeIssues(t, missing) }) : '',
        hint: t.t('dialogs.summary.hint', { claimId: claim.id }),
        actions: withBack(ctx, [
          // An incomplete draft can't be submitted yet: Submit is not the primary button then.
          ctx.buttons.choice(t.t('dialogs.summary.submitButton'), 'submit', {}, missing.length ? 'default' : 'positive'),
          ctx.buttons.choice(t.t('dialogs.summary.draftButton'), 'draft', {}, missing.length ? 'positive' : 'default'),
          ...(claim.status === 'Draft' ? [ctx.buttons.choice(t.t('dialogs.summary.discardButton'), 'discard', {}, 'destructive')] : []),
        ]),
      }),
    ];
  },
  async handle(ctx, entry) {
    const { t } = ctx;
    let choice: 'submit' | 'draft' | 'discard' | undefined;
    if (entry.kind === 'files') return { kind: 'retry', say: t.t('dialogs.poe.notNow') };
    if (entry.kind === 'form') {
      const parsed = parseForm(EmptyForm, entry.fields, t);
      if (!parsed.ok) return { kind: 'retry', say: parsed.message };
      choice = entry.action === 'submit' || entry.action === 'draft' || entry.action === 'discard' ? entry.action : undefined;
    } else if (isWord(t, entry.text, 'submit')) {
      choice = 'submit';
    } else if (isWord(t, entry.text, 'draft')) {
      choice = 'draft';
    }
    if (!choice) return { kind: 'retry', say: t.t('dialogs.summary.submitOrDraft') };
    const claimId = ctx.state.claimId!;
    if (choice === 'draft') return { kind: 'end', say: t.t('dialogs.summary.saved', { claimId }) };
    if (choice === 'discard') {
      const claim = await ctx.claim();
      await ctx.services.claims.discard(ctx.turn.actor, claimId, claim.version);
      return { kind: 'end', say: t.t('dialogs.summary.discarded', { claimId }) };
    }
    const outcome = await ctx.write((version) => ctx.services.claims.submit(ctx.turn.actor, claimId, version));
    if (!outcome.ok) return outcome.result;
    return {
      kind: 'end',
      say: t.t('dialogs.summary.submitted', {
        claimId,
        due: formatInstant(t, outcome.claim.deadlines.reviewStart, ctx.turn.user.timeZone),
      }),
    };
  },
};

export const CLAIM_FIELD_STEPS: readonly Step[] = [
  programStep,
  activityStep,
  partnerIdStep,
  customerStep,
  subscriptionStep,
  workloadsStep,
  contactsStep,
  poeStep,
];
