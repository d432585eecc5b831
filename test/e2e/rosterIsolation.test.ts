import assert from 'node:assert/strict';
import { translatorFor } from '../../cards/i18n/i18n.js';
import { literal } from '../../cards/markdown.js';
import { textOf } from '../dialogs/support/dialogHarness.js';
import { e2ePerTest, OTHER_PARTNER, PARTNER } from './support/e2eApp.js';

// Issue 16, finding 8, by chat through the real server: one organisation's admin granting an
// address first does not stop another's from granting it in theirs, and nobody is told that a
// claim "belongs to another organisation" when roles are the subject.

const en = translatorFor('en');

describe('e2e: roles are granted per organisation (issue 16)', function () {
  this.timeout(30_000);
  const apps = e2ePerTest();

  it("an address Contoso granted first can still be granted by Northwind's admin", async () => {
    const e2e = await apps.start();
    const who = 'sam@northwind.com';
    let replies = await e2e.say(PARTNER, `grant ${who} billing-admin`);
    assert.equal(textOf(replies[0]), en.t('admin.granted', { who, role: 'billing-admin' }));

    replies = await e2e.say(OTHER_PARTNER, `grant ${who} incentives-user`);
    assert.equal(textOf(replies[0]), en.t('admin.granted', { who, role: 'incentives-user' }));
    replies = await e2e.say(OTHER_PARTNER, 'roles');
    assert.match(textOf(replies[0]), new RegExp(`${who}: incentives-user`));
    replies = await e2e.say(PARTNER, 'roles');
    assert.match(textOf(replies[0]), new RegExp(`${who}: billing-admin`), "Contoso's own record is unchanged");
    for (const reply of await e2e.say(OTHER_PARTNER, `revoke ${who} billing-admin`)) {
      assert.equal(textOf(reply), en.t('admin.revokedUnchanged', { who, role: 'billing-admin' }), "Contoso's grant is not Northwind's to revoke");
    }
    assert.doesNotMatch(JSON.stringify(e2e.connector.sent()), /claim belongs/i);
  });

  it('echoes what the admin typed literally, never as markdown (finding 4)', async () => {
    const e2e = await apps.start();
    const who = '[Reset](https://evil.example/reset)';
    const replies = await e2e.say(OTHER_PARTNER, `grant ${who} incentives-user`);
    assert.equal(textOf(replies[0]), en.t('admin.granted', { who: literal(who), role: 'incentives-user' }));
    assert.ok(!textOf(replies[0]).includes(who), 'the link syntax does not reach Teams as such');
  });
});
