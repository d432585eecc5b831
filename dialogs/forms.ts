import { CardFactory, type Activity } from 'botbuilder';
import { z } from 'zod';
import { CardTemplate } from '../cards/template.js';
import type { Translator } from '../cards/i18n/i18n.js';

// The dialogs' own Adaptive Card forms (cards/templates/forms/*.json): strings arrive already
// translated, the templates hold none. Every submit button carries an envelope naming the dialog
// and step it belongs to, so a click on an old card is recognised instead of acted on.

export interface SubmitEnvelope {
  form: string;
  step: string;
  action: string;
  [field: string]: string;
}

export interface FormAction {
  title: string;
  data: SubmitEnvelope;
  style: 'default' | 'positive' | 'destructive';
  /** `none` for buttons (back, cancel, choices) that must work with required inputs still empty. */
  associatedInputs: 'auto' | 'none';
}

export interface Fact {
  title: string;
  value: string;
}

export interface ChoiceCardData {
  title: string;
  text: string;
  facts: Fact[];
  lines: string[];
  note: string;
  hasInput: boolean;
  input: { id: string; label: string; placeholder: string; value: string; multiline: boolean };
  hint: string;
  actions: FormAction[];
}

export interface FieldInput {
  id: string;
  label: string;
  placeholder: string;
  value: string;
  style: 'text' | 'email';
  required: boolean;
  errorMessage: string;
  /** Why the value last sent was refused, shown under this field only ('' when it was fine). */
  problem: string;
}

export interface FieldsCardData {
  title: string;
  text: string;
  sections: { heading: string; inputs: FieldInput[] }[];
  hint: string;
  actions: FormAction[];
}

export interface WorkloadsCardData {
  title: string;
  text: string;
  label: string;
  value: string;
  errorMessage: string;
  choices: { title: string; value: string }[];
  hint: string;
  actions: FormAction[];
}

const choiceTemplate = new CardTemplate<ChoiceCardData>('forms/choice');
const fieldsTemplate = new CardTemplate<FieldsCardData>('forms/fields');
const workloadsTemplate = new CardTemplate<WorkloadsCardData>('forms/workloads');

export type Reply = Partial<Activity>;

function cardReply(content: object): Reply {
  return { type: 'message', attachments: [CardFactory.adaptiveCard(content)] };
}

export function choiceCard(data: Partial<ChoiceCardData> & Pick<ChoiceCardData, 'title' | 'actions'>): Reply {
  return cardReply(
    choiceTemplate.expand({
      text: '',
      facts: [],
      lines: [],
      note: '',
      hint: '',
      ...data,
      hasInput: data.input !== undefined,
      input: data.input ?? { id: 'unused', label: '', placeholder: '', value: '', multiline: false },
    }),
  );
}

export function fieldsCard(data: Partial<FieldsCardData> & Pick<FieldsCardData, 'title' | 'sections' | 'actions'>): Reply {
  return cardReply(fieldsTemplate.expand({ text: '', hint: '', ...data }));
}

export function workloadsCard(data: WorkloadsCardData): Reply {
  return cardReply(workloadsTemplate.expand(data));
}

/** Builds the buttons of one step of one dialog. */
export class FormButtons {
  constructor(
    private readonly dialog: string,
    private readonly step: string,
    private readonly t: Translator,
  ) {}

  action(title: string, action: string, extra: Record<string, string> = {}, style: FormAction['style'] = 'default'): FormAction {
    return {
      title,
      data: { ...extra, form: this.dialog, step: this.step, action },
      style,
      associatedInputs: 'auto',
    };
  }

  /** A button that sends only its own data (a choice, back, cancel), whatever inputs are empty. */
  choice(title: string, action: string, extra: Record<string, string> = {}, style: FormAction['style'] = 'default'): FormAction {
    return { ...this.action(title, action, extra, style), associatedInputs: 'none' };
  }

  back(): FormAction {
    return this.choice(this.t.t('dialogs.common.backButton'), 'back');
  }
}

// ---- reading submits ----------------------------------------------------------------------

const EnvelopeSchema = z.looseObject({ form: z.string().min(1), step: z.string().min(1), action: z.string().min(1) });

/** The envelope of a submit, and the remaining (user-entered) fields; undefined when not ours. */
export function readSubmit(value: unknown): { envelope: Pick<SubmitEnvelope, 'form' | 'step' | 'action'>; fields: Record<string, unknown> } | undefined {
  const parsed = EnvelopeSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const { form, step, action, ...fields } = parsed.data;
  return { envelope: { form, step, action }, fields };
}

export type FormParse<T> = { ok: true; data: T } | { ok: false; message: string };

/**
 * Checks a submit's fields against a strict schema. A forged extra field or a missing one is
 * named in the reader's language; nothing is written when either happens.
 */
export function parseForm<S extends z.ZodType>(schema: S, fields: Record<string, unknown>, t: Translator): FormParse<z.output<S>> {
  const parsed = schema.safeParse(fields);
  if (parsed.success) return { ok: true, data: parsed.data };
  const unexpected = parsed.error.issues.flatMap((issue) => (issue.code === 'unrecognized_keys' ? issue.keys : []));
  if (unexpected.length) return { ok: false, message: t.t('dialogs.form.unexpected', { fields: unexpected.join(', ') }) };
  const missing = parsed.error.issues.filter((issue) => issue.code === 'invalid_type' && issue.input === undefined).map((issue) => issue.path.join('.'));
  if (missing.length) return { ok: false, message: t.t('dialogs.form.missing', { fields: missing.join(', ') }) };
  return { ok: false, message: t.t('dialogs.form.invalid') };
}

/** A text input as Teams sends it: present, possibly empty. */
export const formText = z.string().max(4000);
