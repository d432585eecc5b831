import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseBootstrap } from '../../services/directory/rosterOperator.js';
import {
  DEMO_CUSTOMER,
  DEMO_ORGANISATION,
  DEMO_PEOPLE,
  DEMO_ROLES,
  DEMO_SECOND_REVIEWER,
  demoBootstrap,
  playgroundConfigYaml,
  playgroundPorts,
  playgroundWanted,
  poeActivity,
  samplePoePdf,
} from '../../scripts/start.js';

// The `npm start` demo's pieces that need no browser: the committed playground config is the one
// the launcher writes, the bootstrap gives the playground users their roles, and the settings.

describe('npm start demo (scripts/start.ts)', () => {
  it('the committed .m365agentsplayground.yml is the partner config the launcher writes', async () => {
    const committed = await readFile(join(process.cwd(), '.m365agentsplayground.yml'), 'utf8');
    assert.equal(committed, playgroundConfigYaml(DEMO_PEOPLE.partner));
  });

  it('each playground has its own tenant, user, chat and exactly five colleagues', () => {
    const tenants = new Set(DEMO_ROLES.map((role) => DEMO_PEOPLE[role].tenantId));
    assert.equal(tenants.size, 3, 'partner, reviewer and customer are three tenants');
    assert.equal(DEMO_PEOPLE.customer.tenantId, DEMO_CUSTOMER.tenantId);
    for (const role of DEMO_ROLES) {
      const person = DEMO_PEOPLE[role];
      assert.equal(person.colleagues.length, 5, 'the playground schema wants exactly five users');
      const yaml = playgroundConfigYaml(person);
      assert.match(yaml, new RegExp(`^tenantId: "${person.tenantId}"$`, 'm'));
      assert.match(yaml, new RegExp(`^  aadObjectId: "${person.user.aadObjectId}"$`, 'm'));
      assert.match(yaml, new RegExp(`^  id: "${person.personalChatId}"$`, 'm'));
      const ids = [person.user.id, ...person.colleagues.map((colleague) => colleague.id)];
      assert.equal(new Set(ids).size, ids.length, 'user ids are unique');
    }
  });

  it('bootstraps the partner organisation, the partner admin and two reviewers (another tenant), by name', () => {
    const { BOOTSTRAP_ORGANISATIONS, BOOTSTRAP_ADMINS } = demoBootstrap();
    const plan = parseBootstrap(BOOTSTRAP_ORGANISATIONS, BOOTSTRAP_ADMINS);
    assert.deepEqual(plan.organisations, [{ ...DEMO_ORGANISATION, partnerIds: [...DEMO_ORGANISATION.partnerIds] }]);
    const { partner, reviewer } = DEMO_PEOPLE;
    assert.deepEqual(plan.admins, [
      { reference: { tenantId: partner.tenantId, userId: partner.user.aadObjectId, displayName: 'Ana Partner' }, role: 'incentives-admin' },
      { reference: { tenantId: reviewer.tenantId, userId: reviewer.user.aadObjectId, displayName: 'Rita Reviewer' }, role: 'reviewer' },
      { reference: { tenantId: reviewer.tenantId, userId: DEMO_SECOND_REVIEWER.aadObjectId, displayName: 'Megan Bowen' }, role: 'reviewer' },
    ]);
    assert.ok(
      reviewer.colleagues.some((colleague) => colleague.aadObjectId === DEMO_SECOND_REVIEWER.aadObjectId),
      "the second reviewer is a user of the review tenant in Rita's playground",
    );
    assert.notEqual(DEMO_PEOPLE.reviewer.tenantId, DEMO_ORGANISATION.tenantId, "a reviewer never decides their own organisation's claim");
  });

  it('starts the playground unless NODE_ENV=production or PLAYGROUND=0; PLAYGROUND_PORT moves all three', () => {
    assert.equal(playgroundWanted({}), true);
    assert.equal(playgroundWanted({ NODE_ENV: 'development' }), true);
    assert.equal(playgroundWanted({ NODE_ENV: 'production' }), false);
    assert.equal(playgroundWanted({ PLAYGROUND: '0' }), false);
    assert.deepEqual(playgroundPorts({}), { partner: 56150, reviewer: 56151, customer: 56152 });
    assert.deepEqual(playgroundPorts({ PLAYGROUND_PORT: '57000' }), { partner: 57000, reviewer: 57001, customer: 57002 });
    assert.throws(() => playgroundPorts({ PLAYGROUND_PORT: 'x' }), /PLAYGROUND_PORT/);
  });

  it('the sample proof of execution is a PDF, attached the way Teams attaches a file', () => {
    const pdf = samplePoePdf('2026-03-02');
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.match(pdf.subarray(-6).toString('latin1'), /%%EOF\n$/);
    const activity = poeActivity(DEMO_PEOPLE.partner, { serviceUrl: 'http://localhost:56150/_connector' }, 'http://127.0.0.1:1/sample-poe.pdf') as {
      attachments: Array<{ contentType: string; content: { downloadUrl: string } }>;
      conversation: { id: string; tenantId: string };
      from: { aadObjectId: string };
    };
    assert.equal(activity.attachments[0]?.contentType, 'application/vnd.microsoft.teams.file.download.info');
    assert.equal(activity.attachments[0]?.content.downloadUrl, 'http://127.0.0.1:1/sample-poe.pdf');
    assert.equal(activity.conversation.id, DEMO_PEOPLE.partner.personalChatId);
    assert.equal(activity.from.aadObjectId, DEMO_PEOPLE.partner.user.aadObjectId);
  });
});
