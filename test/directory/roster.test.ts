import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDirectoryConfig } from '../../services/directory/directoryConfig.js';
import { openDirectory } from '../../services/directory/openDirectory.js';
import { parseRoster, RosterFormatError } from '../../services/directory/roster.js';
import { RosterDirectory } from '../../services/directory/rosterDirectory.js';
import { applyBootstrap, parseBootstrap, RosterOperatorError } from '../../services/directory/rosterOperator.js';
import { RosterStore } from '../../services/directory/rosterStore.js';
import { isDomainError } from '../../services/errors.js';
import { ManualClock, MONDAY, PARTNER_TENANT, REVIEW_TENANT } from '../support/serviceHarness.js';
import { RosterFiles } from '../../storage/files/rosterFiles.js';

const ORG = JSON.stringify({ type: 'organisation', tenantId: PARTNER_TENANT, name: 'Contoso Partners', partnerIds: ['4512345'] });
const ADMIN = JSON.stringify({
  type: 'user',
  tenantId: PARTNER_TENANT,
  userId: 'aad-ana',
  email: 'Ana@Contoso.com',
  displayName: 'Ana',
  roles: ['incentives-admin'],
});

function problemOf(text: string): RosterFormatError {
  try {
    parseRoster(text, 'roster.jsonl');
  } catch (error) {
    assert.ok(error instanceof RosterFormatError, String(error));
    return error;
  }
  assert.fail('the roster was accepted');
}

describe('directory: the roster file', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cpor-roster-'));
  });
  afterEach(async () => rm(dataDir, { recursive: true, force: true }));

  it('reads organisations and users, skipping comments and blank lines', () => {
    const roster = parseRoster(`# people\n\n${ORG}\n${ADMIN}\n`);
    assert.equal(roster.organisations[0]?.name, 'Contoso Partners');
    assert.equal(roster.users[0]?.email, 'ana@contoso.com', 'emails are compared in lower case');
  });

  it('names the line of each kind of mistake', () => {
    const bad = problemOf(`${ORG}\n\n{"type":"user","tenantId":`);
    assert.equal(bad.line, 3);
    assert.match(bad.message, /roster\.jsonl, line 3: not valid JSON/);

    const missing = problemOf(`${ORG}\n{"type":"user","tenantId":"${PARTNER_TENANT}","roles":["incentives-user"]}`);
    assert.equal(missing.line, 2);
    assert.match(missing.message, /userId or an email/);

    const role = problemOf(`${ORG}\n${ADMIN}\n{"type":"user","tenantId":"${PARTNER_TENANT}","userId":"x","roles":["superuser"]}`);
    assert.equal(role.line, 3);
    assert.match(role.message, /roles\.0/);

    const duplicate = problemOf(`${ORG}\n${ADMIN}\n${ADMIN}`);
    assert.equal(duplicate.line, 3);
    assert.match(duplicate.message, /already on line 2/);

    const orphan = problemOf(`{"type":"user","tenantId":"${REVIEW_TENANT}","userId":"x","roles":["incentives-user"]}`);
    assert.equal(orphan.line, 1);
    assert.match(orphan.message, /organisation record/);

    const unknownField = problemOf(`${ORG.slice(0, -1)},"colour":"blue"}`);
    assert.equal(unknownField.line, 1);
  });

  it('stops start-up on a malformed file, with the line in the message', async () => {
    await writeFile(join(dataDir, 'roster.jsonl'), `${ORG}\n{"type":"organisation","tenantId":"not-a-guid","name":"X","partnerIds":["1234"]}\n`);
    const config = loadDirectoryConfig({ DATA_DIR: dataDir });
    await assert.rejects(
      openDirectory(config, { clock: new ManualClock(MONDAY), rosterStorage: new RosterFiles(config.rosterFile, config.auditFile) }),
      (error: Error) => {
        assert.ok(error instanceof RosterFormatError);
        assert.match(error.message, /roster\.jsonl, line 2: tenantId/);
        return true;
      },
    );
  });

  it('bootstraps the first organisation and admin from the environment, once', async () => {
    const config = loadDirectoryConfig({
      DATA_DIR: dataDir,
      BOOTSTRAP_ORGANISATIONS: `${PARTNER_TENANT}:4512345+4512346:Contoso Partners: EMEA`,
      BOOTSTRAP_ADMINS: `${PARTNER_TENANT}:ana@contoso.com:global-admin,${REVIEW_TENANT}:aad-rita:reviewer`,
    });
    const { directory, roster } = await openDirectory(config, {
      clock: new ManualClock(MONDAY),
      rosterStorage: new RosterFiles(config.rosterFile, config.auditFile),
    });
    const ana = await directory.resolve('aad-ana', PARTNER_TENANT, { email: 'ana@contoso.com' });
    assert.deepEqual(ana.roles, ['global-admin']);
    assert.deepEqual(ana.organisation, { tenantId: PARTNER_TENANT, name: 'Contoso Partners: EMEA', partnerIds: ['4512345', '4512346'] });
    assert.deepEqual((await directory.resolve('aad-rita', REVIEW_TENANT)).roles, ['reviewer']);
    assert.equal((await roster.auditTrail()).filter((entry) => entry.source === 'bootstrap').length, 3);

    const before = await readFile(config.rosterFile, 'utf8');
    await openDirectory(config, { clock: new ManualClock(MONDAY), rosterStorage: new RosterFiles(config.rosterFile, config.auditFile) });
    assert.equal(await readFile(config.rosterFile, 'utf8'), before, 'a second start changes nothing');
    assert.equal((await roster.auditTrail()).length, 3);
  });

  it('a bootstrap entry may end with the display name the pickers show (colons allowed)', async () => {
    const plan = parseBootstrap(undefined, `${REVIEW_TENANT}:aad-megan:reviewer:Megan Bowen: EMEA, ${REVIEW_TENANT}:aad-rob:reviewer`);
    assert.deepEqual(
      plan.admins.map((admin) => admin.reference),
      [
        { tenantId: REVIEW_TENANT, userId: 'aad-megan', displayName: 'Megan Bowen: EMEA' },
        { tenantId: REVIEW_TENANT, userId: 'aad-rob' },
      ],
    );
    const store = new RosterStore({ storage: new RosterFiles(join(dataDir, 'roster.jsonl'), join(dataDir, 'audit.jsonl')), clock: new ManualClock(MONDAY) });
    await applyBootstrap(store, plan);
    const reviewers = await new RosterDirectory(store).reviewers();
    assert.deepEqual(
      reviewers.map((reviewer) => [reviewer.userId, reviewer.displayName]),
      [
        ['aad-megan', 'Megan Bowen: EMEA'],
        ['aad-rob', undefined],
      ],
    );
  });

  it('refuses malformed bootstrap variables by name', () => {
    assert.throws(
      () => parseBootstrap(`${PARTNER_TENANT}:45:Contoso`, undefined),
      (error: Error) => error instanceof RosterOperatorError && /BOOTSTRAP_ORGANISATIONS/.test(error.message),
    );
    assert.throws(() => parseBootstrap(undefined, `${PARTNER_TENANT}:ana@contoso.com:owner`), /BOOTSTRAP_ADMINS/);
  });

  it('resolves users by object id or by the email Teams reports, and unknown users to no roles', async () => {
    await writeFile(
      join(dataDir, 'roster.jsonl'),
      `${ORG}\n${ADMIN}\n{"type":"user","tenantId":"${PARTNER_TENANT}","email":"bo@contoso.com","roles":["incentives-user"]}\n`,
    );
    const directory = new RosterDirectory(
      new RosterStore({ storage: new RosterFiles(join(dataDir, 'roster.jsonl'), join(dataDir, 'audit.jsonl')), clock: new ManualClock(MONDAY) }),
    );
    const ana = await directory.resolve('aad-ana', PARTNER_TENANT);
    assert.deepEqual(ana.roles, ['incentives-admin']);
    assert.equal(ana.displayName, 'Ana');
    assert.deepEqual((await directory.resolve('aad-bo', PARTNER_TENANT, { email: 'BO@contoso.com' })).roles, ['incentives-user']);
    assert.deepEqual((await directory.resolve('aad-bo', PARTNER_TENANT)).roles, [], 'no email, no match');
    const stranger = await directory.resolve('aad-ana', REVIEW_TENANT);
    assert.deepEqual(stranger.roles, [], 'the same id in another tenant is someone else');
    assert.equal(stranger.organisation, undefined);
  });

  it('caches the file for the TTL, then sees edits made outside the bot', async () => {
    const rosterFile = join(dataDir, 'roster.jsonl');
    await writeFile(rosterFile, `${ORG}\n${ADMIN}\n`);
    const clock = new ManualClock(MONDAY);
    const directory = new RosterDirectory(new RosterStore({ storage: new RosterFiles(rosterFile, join(dataDir, 'a.jsonl')), cacheTtlMs: 60_000, clock }));
    assert.deepEqual((await directory.resolve('aad-ana', PARTNER_TENANT)).roles, ['incentives-admin']);
    await writeFile(rosterFile, `${ORG}\n${ADMIN.replace('incentives-admin', 'billing-admin')}\n`);
    assert.deepEqual((await directory.resolve('aad-ana', PARTNER_TENANT)).roles, ['incentives-admin'], 'within the TTL');
    clock.advance(60_000);
    assert.deepEqual((await directory.resolve('aad-ana', PARTNER_TENANT)).roles, ['billing-admin'], 'after the TTL');
    await writeFile(rosterFile, '{broken');
    clock.advance(60_000);
    await assert.rejects(directory.resolve('aad-ana', PARTNER_TENANT), (error) => isDomainError(error), 'a broken file fails closed');
  });
});
