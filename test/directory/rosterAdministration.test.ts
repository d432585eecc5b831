import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '../../services/actor.js';
import { RosterAdministration } from '../../services/directory/rosterAdministration.js';
import { RosterDirectory } from '../../services/directory/rosterDirectory.js';
import { RosterStore } from '../../services/directory/rosterStore.js';
import { isDomainError, type ErrorCode } from '../../services/errors.js';
import { ManualClock, MONDAY, OTHER_PARTNER_TENANT, PARTNER_TENANT, REVIEW_TENANT } from '../support/serviceHarness.js';
import { RosterFiles } from '../../storage/files/rosterFiles.js';

const CONTOSO = { tenantId: PARTNER_TENANT, name: 'Contoso Partners', partnerIds: ['4512345'] };
const NORTHWIND = { tenantId: OTHER_PARTNER_TENANT, name: 'Northwind Advisors', partnerIds: ['7700001'] };

const ROSTER = [
  { type: 'organisation', ...CONTOSO },
  { type: 'organisation', ...NORTHWIND },
  { type: 'user', tenantId: PARTNER_TENANT, userId: 'aad-gina', email: 'gina@contoso.com', roles: ['global-admin'] },
  { type: 'user', tenantId: PARTNER_TENANT, userId: 'aad-ivan', email: 'ivan@contoso.com', roles: ['incentives-admin'] },
  { type: 'user', tenantId: PARTNER_TENANT, userId: 'aad-uma', email: 'uma@contoso.com', roles: ['incentives-user'] },
  { type: 'user', tenantId: OTHER_PARTNER_TENANT, userId: 'aad-nora', email: 'nora@northwind.com', roles: ['incentives-admin'] },
  { type: 'user', tenantId: REVIEW_TENANT, userId: 'aad-rita', roles: ['reviewer'] },
]
  .map((record) => JSON.stringify(record))
  .join('\n');

describe('directory: roster administration by partner admins', () => {
  let dataDir: string;
  let store: RosterStore;
  let files: RosterFiles;
  let admin: RosterAdministration;
  let directory: RosterDirectory;

  /** The actor the bot would build for a roster user. */
  async function actor(userId: string, tenantId = PARTNER_TENANT): Promise<Actor> {
    const user = await directory.resolve(userId, tenantId);
    return { userId, tenantId, roles: user.roles, ...(user.organisation ? { organisation: user.organisation } : {}) };
  }

  async function refused(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
    await assert.rejects(promise, (error) => isDomainError(error, code) || assert.fail(`expected ${code}, got ${String(error)}`));
    // Every test using this only ever gets refusals, so the file is still as written at the start.
    assert.equal(await readFile(files.rosterFile, 'utf8'), `${ROSTER}\n`, 'the roster is unchanged');
    assert.deepEqual(await store.auditTrail(), [], 'nothing is audited');
  }

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cpor-roster-admin-'));
    await writeFile(join(dataDir, 'roster.jsonl'), `${ROSTER}\n`);
    files = new RosterFiles(join(dataDir, 'roster.jsonl'), join(dataDir, 'roster-audit.jsonl'));
    store = new RosterStore({ storage: files, clock: new ManualClock(MONDAY) });
    admin = new RosterAdministration(store);
    directory = new RosterDirectory(store);
  });
  afterEach(async () => rm(dataDir, { recursive: true, force: true }));

  it('lets an incentives admin grant a partner role by email, durably and audited', async () => {
    const ivan = await actor('aad-ivan');
    const result = await admin.grant(ivan, { email: 'New.Person@contoso.com', displayName: 'New Person' }, 'incentives-user');
    assert.equal(result.changed, true);
    const granted = await directory.resolve('aad-new', PARTNER_TENANT, { email: 'new.person@contoso.com' });
    assert.deepEqual(granted.roles, ['incentives-user']);
    assert.equal(granted.organisation?.name, 'Contoso Partners');

    // A fresh store reads what was written: the change is on disk, not only in memory.
    const reread = new RosterDirectory(new RosterStore({ storage: new RosterFiles(files.rosterFile, files.auditFile), clock: new ManualClock(MONDAY) }));
    assert.deepEqual((await reread.resolve('x', PARTNER_TENANT, { email: 'new.person@contoso.com' })).roles, ['incentives-user']);

    const [entry] = await store.auditTrail();
    assert.equal(entry?.action, 'grant');
    assert.equal(entry?.role, 'incentives-user');
    assert.equal(entry?.source, 'chat');
    assert.deepEqual(entry?.by, { userId: 'aad-ivan', tenantId: PARTNER_TENANT, roles: ['incentives-admin'] });
    assert.deepEqual(entry?.target, { email: 'new.person@contoso.com' });
    assert.ok(entry && Date.parse(entry.at) > 0);

    const again = await admin.grant(ivan, { email: 'new.person@contoso.com' }, 'incentives-user');
    assert.equal(again.changed, false, 'granting twice changes nothing');
    assert.equal((await store.auditTrail()).length, 1);
  });

  it('keeps the audit trail readable after a crash tore its last line', async () => {
    const ivan = await actor('aad-ivan');
    await admin.grant(ivan, { email: 'first@contoso.com' }, 'incentives-user');
    await appendFile(files.auditFile, '{"at":"2026-11-');
    await admin.grant(ivan, { email: 'second@contoso.com' }, 'incentives-user');
    const skipped: number[] = [];
    const trail = await store.auditTrail((line) => skipped.push(line));
    assert.deepEqual(
      trail.map((entry) => entry.target?.email),
      ['first@contoso.com', 'second@contoso.com'],
    );
    assert.deepEqual(skipped, [2], 'the torn line is reported, not fatal');
  });

  it('lets a global admin grant and revoke, and records both', async () => {
    const gina = await actor('aad-gina');
    await admin.grant(gina, { userId: 'aad-uma' }, 'billing-admin');
    assert.deepEqual((await directory.resolve('aad-uma', PARTNER_TENANT)).roles, ['incentives-user', 'billing-admin']);
    await admin.grant(gina, { userId: 'aad-ivan' }, 'global-admin');
    const revoked = await admin.revoke(gina, { email: 'uma@contoso.com' }, 'incentives-user');
    assert.equal(revoked.changed, true);
    assert.deepEqual((await directory.resolve('aad-uma', PARTNER_TENANT)).roles, ['billing-admin']);
    await admin.revoke(gina, { userId: 'aad-uma' }, 'billing-admin');
    assert.deepEqual((await directory.resolve('aad-uma', PARTNER_TENANT)).roles, [], 'the last role gone, the record goes');
    assert.deepEqual(
      (await store.auditTrail()).map((entry) => `${entry.action} ${entry.role} ${entry.target?.userId}`),
      ['grant billing-admin aad-uma', 'grant global-admin aad-ivan', 'revoke incentives-user aad-uma', 'revoke billing-admin aad-uma'],
    );
  });

  it('refuses everyone who is not an admin of the organisation', async () => {
    await refused(admin.grant(await actor('aad-uma'), { email: 'x@contoso.com' }, 'incentives-user'), 'not-allowed');
    await refused(admin.grant(await actor('aad-rita', REVIEW_TENANT), { email: 'x@contoso.com' }, 'incentives-user'), 'not-allowed');
    const customer: Actor = { userId: 'c', tenantId: PARTNER_TENANT, roles: [] };
    await refused(admin.revoke(customer, { userId: 'aad-uma' }, 'incentives-user'), 'not-allowed');
    await assert.rejects(admin.list(await actor('aad-uma')), (error) => isDomainError(error, 'not-allowed'));
  });

  it('refuses the reviewer role, and global-admin from an incentives admin', async () => {
    await refused(admin.grant(await actor('aad-gina'), { userId: 'aad-uma' }, 'reviewer'), 'not-allowed');
    await refused(admin.grant(await actor('aad-ivan'), { userId: 'aad-uma' }, 'global-admin'), 'not-allowed');
    await refused(admin.revoke(await actor('aad-ivan'), { userId: 'aad-gina' }, 'global-admin'), 'not-allowed');
    await refused(admin.grant(await actor('aad-ivan'), { userId: 'aad-uma' }, 'owner'), 'validation');
    await refused(admin.grant(await actor('aad-ivan'), { email: 'not an email' }, 'incentives-user'), 'validation');
  });

  it('keeps each admin inside their own organisation', async () => {
    const nora = await actor('aad-nora', OTHER_PARTNER_TENANT);
    // An actor claiming an organisation that is not their tenant's is refused.
    const forged: Actor = { ...nora, organisation: { ...CONTOSO } };
    await refused(admin.grant(forged, { email: 'spy@northwind.com' }, 'incentives-admin'), 'wrong-tenant');
    await refused(admin.revoke(forged, { userId: 'aad-uma' }, 'incentives-user'), 'wrong-tenant');
    // Another organisation's people are simply not in Northwind's roster: nothing to revoke.
    assert.equal((await admin.revoke(nora, { userId: 'aad-uma' }, 'incentives-user')).changed, false);
    assert.deepEqual((await directory.resolve('aad-uma', PARTNER_TENANT)).roles, ['incentives-user']);
  });

  it('keeps grants per tenant: one organisation cannot pre-claim an email from another (issue 16)', async () => {
    const ivan = await actor('aad-ivan');
    const nora = await actor('aad-nora', OTHER_PARTNER_TENANT);
    // Contoso's admin grants an address first, even one of Northwind's people...
    assert.equal((await admin.grant(ivan, { email: 'sam@northwind.com' }, 'billing-admin')).changed, true);
    // ...and Northwind's admin can still grant it in Northwind; each organisation has its own record.
    assert.equal((await admin.grant(nora, { email: 'sam@northwind.com' }, 'incentives-user')).changed, true);
    assert.equal((await admin.grant(nora, { email: 'uma@contoso.com' }, 'incentives-user')).changed, true);
    assert.deepEqual((await directory.resolve('aad-sam', OTHER_PARTNER_TENANT, { email: 'sam@northwind.com' })).roles, ['incentives-user']);
    assert.deepEqual((await directory.resolve('aad-sam', PARTNER_TENANT, { email: 'sam@northwind.com' })).roles, ['billing-admin']);
    assert.deepEqual((await directory.resolve('aad-uma', PARTNER_TENANT)).roles, ['incentives-user'], "Contoso's uma is untouched");
    assert.equal((await admin.list(nora)).users.filter((user) => user.email === 'sam@northwind.com').length, 1);
  });

  it('never removes the last admin of an organisation', async () => {
    const nora = await actor('aad-nora', OTHER_PARTNER_TENANT);
    await refused(admin.revoke(nora, { userId: 'aad-nora' }, 'incentives-admin'), 'not-allowed');
  });

  it('lists the organisation to its admins', async () => {
    const listing = await admin.list(await actor('aad-ivan'));
    assert.equal(listing.organisation.name, 'Contoso Partners');
    assert.deepEqual(listing.users.map((user) => user.userId).sort(), ['aad-gina', 'aad-ivan', 'aad-uma']);
  });
});
