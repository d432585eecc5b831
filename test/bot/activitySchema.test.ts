import assert from 'node:assert/strict';
import { checkActivity } from '../../bot/activitySchema.js';

// The edge's verdict on an activity, field by field; the e2e edge suite sends some of these over HTTP.
const base = {
  type: 'message',
  id: 'm-1',
  channelId: 'msteams',
  serviceUrl: 'https://smba.trafficmanager.net/emea/',
  from: { id: '29:ana', name: 'Ana', aadObjectId: 'a1a1a1a1-0000-4000-8000-000000000001' },
  recipient: { id: '28:bot', name: 'CPOR Claims Assistant' },
  conversation: { id: 'a:1', conversationType: 'personal', tenantId: 't-1' },
  channelData: { tenant: { id: 't-1' }, somethingTeamsAdds: { deep: [1, 2] } },
  text: 'help',
  locale: 'en-US',
  entities: [{ type: 'clientInfo', timezone: 'Europe/Madrid' }],
};
const cardAction = {
  ...base,
  type: 'invoke',
  name: 'adaptiveCard/action',
  value: { action: { type: 'Action.Execute', verb: 'approve', data: { claimId: 'x' } }, trigger: 'manual' },
};
const development = { teamsOnly: false };
const production = { teamsOnly: true };

function reasonFor(body: unknown, rules = development): string | undefined {
  const check = checkActivity(body, rules);
  return check.ok ? undefined : check.reason;
}

describe('the activity check at the edge', () => {
  it('lets well-formed activities through, whatever else they carry', () => {
    assert.equal(reasonFor(base), undefined);
    assert.equal(reasonFor(base, production), undefined);
    assert.equal(reasonFor(cardAction, production), undefined);
    assert.equal(reasonFor({ ...base, type: 'conversationUpdate', text: undefined, membersAdded: [{ id: '28:bot' }] }), undefined);
    assert.equal(reasonFor({ ...base, serviceUrl: 'http://127.0.0.1:56150/' }), undefined, 'http is for development');
  });

  it('names the first field that is missing or wrong, nested fields by their path', () => {
    const cases: Array<[string, unknown, string]> = [
      ['not an object', 'hello', 'activity: invalid'],
      ['null', null, 'activity: invalid'],
      ['a list', [base], 'activity: invalid'],
      ['no type', { ...base, type: undefined }, 'type: required'],
      ['a blank type', { ...base, type: '   ' }, 'type: invalid'],
      ['a type too long', { ...base, type: 'x'.repeat(65) }, 'type: invalid'],
      ['a numeric id', { ...base, id: 7 }, 'id: invalid'],
      ['no service URL', { ...base, serviceUrl: undefined }, 'serviceUrl: required'],
      ['a service URL that is no URL', { ...base, serviceUrl: 'smba' }, 'serviceUrl: invalid'],
      ['a service URL of another scheme', { ...base, serviceUrl: 'ftp://smba.example/' }, 'serviceUrl: invalid'],
      ['a service URL too long', { ...base, serviceUrl: `https://smba.example/${'x'.repeat(2048)}` }, 'serviceUrl: invalid'],
      ['a sender without id', { ...base, from: { name: 'Ana' } }, 'from.id: required'],
      ['a sender whose name is null', { ...base, from: { ...base.from, name: null } }, 'from.name: invalid'],
      ['a conversation without id', { ...base, conversation: { tenantId: 't-1' } }, 'conversation.id: required'],
      ['a tenant that is no object', { ...base, channelData: { tenant: 't-1' } }, 'channelData.tenant: invalid'],
      ['attachments that are no list', { ...base, attachments: 'x' }, 'attachments: invalid'],
      ['an attachment without type', { ...base, attachments: [{ contentType: 'a' }, {}] }, 'attachments.1.contentType: required'],
      ['too many attachments', { ...base, attachments: Array.from({ length: 101 }, () => ({ contentType: 'a' })) }, 'attachments: invalid'],
      ['an entity of a numeric type', { ...base, entities: [{ type: 1 }] }, 'entities.0.type: invalid'],
      ['a member added without id', { ...base, membersAdded: [{ id: '28:bot' }, { id: '' }] }, 'membersAdded.1.id: invalid'],
      ['an invoke without name', { ...base, type: 'invoke' }, 'name: required for an invoke'],
      ['a card action whose value is a string', { ...cardAction, value: 'approve' }, 'value: invalid'],
      ['a card action without value', { ...cardAction, value: undefined }, 'value: required'],
      ['a card action without action', { ...cardAction, value: { trigger: 'manual' } }, 'value.action: required'],
      ['a card action of no type', { ...cardAction, value: { action: { verb: 'approve' } } }, 'value.action.type: required'],
      ['a card action with an unknown trigger', { ...cardAction, value: { ...cardAction.value, trigger: 'later' } }, 'value.trigger: invalid'],
    ];
    for (const [what, body, reason] of cases) assert.equal(reasonFor(body), reason, what);
  });

  it('serves only Teams, with a tenant and over https, in production', () => {
    assert.equal(reasonFor({ ...base, channelId: 'emulator' }, production), 'channelId: only msteams is served');
    assert.equal(reasonFor({ ...base, conversation: { id: 'a:1' }, channelData: {} }, production), 'tenant: required');
    assert.equal(reasonFor({ ...base, conversation: { id: 'a:1' } }, production), undefined, 'the tenant in channelData is enough');
    assert.equal(reasonFor({ ...base, serviceUrl: 'http://smba.example/' }, production), 'serviceUrl: https required');
  });
});
