import assert from 'node:assert/strict';
import { m365Details } from '../support/serviceHarness.js';
import { clusterOrSkip, type PostgresCluster } from '../support/postgresCluster.js';
import { actorOf, cardIn, PARTNER, PARTNER_ES, REVIEWER, startE2E, type E2E, type Reply } from './support/e2eApp.js';
import { PDF, walkCreateClaim } from './support/journey.js';
import { storedFilesIn } from '../support/storedFiles.js';

// The real server on STORE=postgres: claims live in the database, survive a restart of the bot,
// and while the database is down the user is told, in their language, to try again in a moment;
// the bot keeps running and answers normally once the database is back.

const texts = (replies: Reply[]): string => JSON.stringify(replies);

describe('e2e: STORE=postgres', function () {
  this.timeout(120_000);
  let cluster: PostgresCluster;
  let e2e: E2E | undefined;

  before(async function () {
    cluster = await clusterOrSkip(this, 'the STORE=postgres end-to-end test');
  });

  afterEach(async () => {
    await e2e?.close();
    e2e = undefined;
  });

  it('keeps claims in the database, says "try again in a moment" while it is down, and recovers', async () => {
    const url = await cluster.createDatabase('cpor_e2e');
    e2e = await startE2E({ env: { STORE: 'postgres', DATABASE_URL: url, DATABASE_STATEMENT_TIMEOUT_MS: '1000' } });
    const claim = await e2e.app.claims.create(actorOf(PARTNER), m365Details());
    assert.match(texts(await e2e.say(PARTNER, 'my claims')), new RegExp(claim.id));

    await e2e.restart();
    assert.match(texts(await e2e.say(PARTNER, 'my claims')), new RegExp(claim.id), 'the claim survived the restart of the bot');

    await cluster.stop();
    try {
      const spanish = texts(await e2e.say(PARTNER_ES, 'mis notificaciones'));
      assert.match(spanish, /En este momento no se puede acceder a la base de datos de notificaciones/);
      const english = texts(await e2e.say(PARTNER, 'my claims'));
      assert.match(english, /The claims database can't be reached right now/);
    } finally {
      await cluster.start();
    }
    // The pool reconnects on its own: the same running bot answers again.
    assert.match(texts(await e2e.say(PARTNER, 'my claims')), new RegExp(claim.id));
    assert.equal(await e2e.app.repository.count(), 1, 'nothing half-written while the database was down');
  });

  it('continues a dialog on another instance: the dialog state is in the database', async () => {
    const url = await cluster.createDatabase('cpor_e2e_dialog');
    e2e = await startE2E({ env: { STORE: 'postgres', DATABASE_URL: url } });
    const other = await startE2E({ env: { STORE: 'postgres', DATABASE_URL: url } });
    try {
      assert.match(texts(await e2e.say(PARTNER, 'new claim')), /Which program is this claim for\?/);
      const next = texts(await other.say(PARTNER, { value: { choice: 'OSU-M365', form: 'create-claim', step: 'program', action: 'choose' } }));
      assert.doesNotMatch(next, /Which program is this claim for\?/);
      assert.match(next, /Which PartnerID is this claim for\?/, 'the second instance asked the next question of the same dialog');
    } finally {
      await other.close();
    }
  });

  it('serves a PoE file one instance took in from the other, through a link either instance signed', async () => {
    const url = await cluster.createDatabase('cpor_e2e_poe');
    e2e = await startE2E({ env: { STORE: 'postgres', DATABASE_URL: url } });
    const other = await startE2E({ env: { STORE: 'postgres', DATABASE_URL: url } });
    try {
      const { claimId } = await walkCreateClaim(e2e, PARTNER, 'submitted');
      assert.deepEqual(await storedFilesIn(e2e.dataDir, 'poe'), [], "the bytes are in the database, not in one instance's DATA_DIR");
      const linkPath = async (instance: E2E) => {
        const [reply] = await instance.say(REVIEWER, `claim ${claimId}`);
        const link = /\]\((https?:\/\/[^)\s"]+\/poe\/[^)\s"]+)\)/.exec(JSON.stringify(cardIn(reply)))?.[1];
        assert.ok(link, 'the claim card links the file');
        return new URL(link).pathname;
      };
      // Signed by the first instance, opened on the second, and the other way round.
      for (const [signer, server] of [
        [e2e, other],
        [other, e2e],
      ] as const) {
        const response = await fetch(`${server.app.url}${await linkPath(signer)}`);
        assert.equal(response.status, 200);
        assert.deepEqual(Buffer.from(await response.arrayBuffer()), PDF);
      }
    } finally {
      await other.close();
    }
  });

  it('a role granted by chat on one instance shows on the other at once, its hour-long cache notwithstanding', async () => {
    const url = await cluster.createDatabase('cpor_e2e_roster');
    const hourLong = { STORE: 'postgres', DATABASE_URL: url, DIRECTORY_CACHE_SECONDS: '3600' };
    e2e = await startE2E({ env: hourLong });
    const other = await startE2E({ env: hourLong });
    try {
      const who = 'sam@contoso.com';
      assert.doesNotMatch(texts(await other.say(PARTNER, 'roles')), new RegExp(who), 'read, and cached for an hour');
      assert.match(texts(await e2e.say(PARTNER, `grant ${who} billing-admin`)), /billing-admin/);
      let listed = '';
      for (let tries = 0; tries < 50 && !listed.includes(`${who}: billing-admin`); tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        listed = texts(await other.say(PARTNER, 'roles'));
      }
      assert.match(listed, new RegExp(`${who}: billing-admin`));
    } finally {
      await other.close();
    }
  });
});
