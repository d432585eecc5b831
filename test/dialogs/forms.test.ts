import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as AC from 'adaptivecards';
import { translatorFor } from '../../cards/i18n/i18n.js';
import { choiceCard, fieldsCard, FormButtons, parseForm, workloadsCard, type Reply } from '../../dialogs/forms.js';
import { z } from 'zod';

// The form templates: valid Adaptive Cards 1.5 once expanded, every expression resolved, and no
// user-visible literal in the JSON (all strings come from the catalogues).

const TEMPLATES = join(import.meta.dirname, '../../cards/templates/forms');
const VISIBLE = new Set(['text', 'title', 'label', 'placeholder', 'errorMessage', 'value']);

function parseEvents(reply: Reply): string[] {
  const context = new AC.SerializationContext();
  new AC.AdaptiveCard().parse(reply.attachments![0]!.content as object, context);
  return Array.from({ length: context.eventCount }, (_, index) => context.getEventAt(index).message);
}

describe('dialog form cards', () => {
  const t = translatorFor('it');
  const buttons = new FormButtons('create-claim', 'contacts', t);
  const samples: Record<string, Reply> = {
    choice: choiceCard({
      title: 'T',
      text: 'x',
      facts: [{ title: 'a', value: 'b' }],
      lines: ['one', 'two'],
      note: 'n',
      input: { id: 'comment', label: 'L', placeholder: 'P', value: 'v ${not.an.expression}', multiline: true },
      hint: 'h',
      actions: [buttons.action('Go', 'save', {}, 'positive'), buttons.back()],
    }),
    fields: fieldsCard({
      title: 'T',
      sections: [
        {
          heading: 'H',
          inputs: [{ id: 'customerEmail', label: 'E', placeholder: 'p', value: '', style: 'email', required: true, errorMessage: 'e', problem: 'x' }],
        },
      ],
      actions: [buttons.action('Go', 'save')],
    }),
    workloads: workloadsCard({
      title: 'T',
      text: 'x',
      label: 'W',
      value: 'Teams',
      errorMessage: 'e',
      choices: [{ title: 'Teams', value: 'Teams' }],
      hint: '',
      actions: [buttons.action('Go', 'save')],
    }),
  };

  for (const [name, reply] of Object.entries(samples)) {
    it(`${name}: parses as an Adaptive Card without warnings, all expressions resolved`, () => {
      assert.deepEqual(parseEvents(reply), []);
      const json = JSON.stringify(reply.attachments![0]!.content);
      assert.equal(json.replace('${not.an.expression}', '').includes('${'), false, json);
    });
  }

  it('the back button works with required inputs empty; text typed by the user is not evaluated', () => {
    const content = samples.choice!.attachments![0]!.content as {
      actions: { associatedInputs: string; title: string }[];
      body: { id?: string; value?: string }[];
    };
    assert.equal(content.actions[1]?.title, t.t('dialogs.common.backButton'));
    assert.equal(content.actions[1]?.associatedInputs, 'none');
    assert.equal(content.body.find((element) => element.id === 'comment')?.value, 'v ${not.an.expression}');
  });

  it('the templates hold no user-visible literal', () => {
    const literals: string[] = [];
    const walk = (node: unknown, file: string): void => {
      if (Array.isArray(node)) node.forEach((child) => walk(child, file));
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (VISIBLE.has(key) && typeof value === 'string' && !/^(- )?\$\{[^}]+\}$/.test(value)) literals.push(`${file}: ${key}=${value}`);
          walk(value, file);
        }
      }
    };
    for (const file of readdirSync(TEMPLATES)) walk(JSON.parse(readFileSync(join(TEMPLATES, file), 'utf8')), file);
    assert.deepEqual(literals, []);
  });

  it("parseForm names forged and missing fields in the reader's language", () => {
    const schema = z.object({ name: z.string() }).strict();
    assert.deepEqual(parseForm(schema, { name: 'a', admin: 'yes' }, t), { ok: false, message: t.t('dialogs.form.unexpected', { fields: 'admin' }) });
    assert.deepEqual(parseForm(schema, {}, t), { ok: false, message: t.t('dialogs.form.missing', { fields: 'name' }) });
    assert.deepEqual(parseForm(schema, { name: 'a' }, t), { ok: true, data: { name: 'a' } });
  });
});
