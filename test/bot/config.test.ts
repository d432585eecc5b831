import assert from 'node:assert/strict';
import { z } from 'zod';
import { ConfigurationError, loadConfig } from '../../bot/config.js';
import { parseEnvironment } from '../../services/environment.js';

// Configuration is read once at start; every bad value is named with what was expected.

function problemsOf(environment: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(environment);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  assert.fail('the configuration was accepted');
}

describe('bot configuration', () => {
  it('runs on embedded defaults with nothing set, unauthenticated', () => {
    const config = loadConfig({});
    assert.equal(config.PORT, 3978);
    assert.equal(config.CPOR_POLICY, 'seed-2020');
    assert.equal(config.CPOR_TIME_ZONE, 'UTC');
    assert.deepEqual(config.CPOR_HOLIDAYS, []);
    assert.equal(config.DEFAULT_LOCALE, 'en');
    assert.equal(config.authenticationDisabled, true);
    assert.match(config.dataDir, /data$/);
  });

  it('picks the storage engine: files by default, postgres with a DATABASE_URL it never echoes', () => {
    assert.equal(loadConfig({}).STORE, 'files');
    const config = loadConfig({ STORE: 'postgres', DATABASE_URL: 'postgres://bot:pw@db.example:5432/cpor', DATABASE_POOL_SIZE: '20' });
    assert.equal(config.STORE, 'postgres');
    assert.equal(config.DATABASE_POOL_SIZE, 20);
    assert.equal(config.DATABASE_STATEMENT_TIMEOUT_MS, 5000);
    assert.equal(config.DATABASE_START_WAIT_SECONDS, 60);
    assert.deepEqual(problemsOf({ STORE: 'postgres' }), ['DATABASE_URL: required with STORE=postgres']);
    const [problem] = problemsOf({ STORE: 'postgres', DATABASE_URL: 'mysql://bot:hunter2@db/cpor' });
    assert.match(problem!, /^DATABASE_URL: a postgres/);
    assert.doesNotMatch(problem!, /hunter2/);
    assert.match(problemsOf({ STORE: 'sqlite' })[0]!, /^STORE="sqlite"/);
  });

  it('names this instance from INSTANCE_ID, else from host, process and a random part, unique per process start', () => {
    assert.equal(loadConfig({ INSTANCE_ID: 'bot-west-1' }).instanceId, 'bot-west-1');
    const [first, second] = [loadConfig({}).instanceId, loadConfig({}).instanceId];
    assert.match(first, new RegExp(`:${process.pid}:[0-9a-f]{8}$`));
    assert.notEqual(first, second);
    assert.match(problemsOf({ INSTANCE_ID: 'bot west/1' })[0]!, /^INSTANCE_ID=.*letters, digits/);
  });

  it('reads every setting', () => {
    const config = loadConfig({
      PORT: '4000',
      DATA_DIR: '/tmp/cpor',
      MicrosoftAppId: '00000000-0000-4000-8000-000000000001',
      MicrosoftAppPassword: 'secret',
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: '00000000-0000-4000-8000-000000000002',
      CPOR_POLICY: 'partner-center-2023',
      CPOR_TIME_ZONE: 'Europe/Madrid',
      CPOR_HOLIDAYS: '2026-12-25, 2027-01-01',
      DEFAULT_LOCALE: 'es',
      CPOR_POE_HOSTS: '*.sharepoint.com,files.example.com',
    });
    assert.equal(config.PORT, 4000);
    assert.equal(config.dataDir, '/tmp/cpor');
    assert.equal(config.authenticationDisabled, false);
    assert.deepEqual(config.CPOR_HOLIDAYS, ['2026-12-25', '2027-01-01']);
    assert.deepEqual(config.CPOR_POE_HOSTS, ['*.sharepoint.com', 'files.example.com']);
  });

  it('names each bad value with what was expected', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      CPOR_POLICY: 'portal-2019',
      CPOR_TIME_ZONE: 'Mars/Olympus',
      CPOR_HOLIDAYS: '2026-02-30',
      DEFAULT_LOCALE: 'fr',
    });
    for (const name of ['PORT="eighty"', 'CPOR_POLICY="portal-2019"', 'CPOR_TIME_ZONE="Mars/Olympus"', 'CPOR_HOLIDAYS', 'DEFAULT_LOCALE="fr"']) {
      assert.ok(
        problems.some((problem) => problem.startsWith(name)),
        `${name} in ${problems.join(' | ')}`,
      );
    }
    assert.ok(problems.find((problem) => problem.startsWith('CPOR_TIME_ZONE'))?.includes('IANA'));
  });

  it('refuses to run unauthenticated in production, and half-configured credentials', () => {
    assert.ok(problemsOf({ NODE_ENV: 'production' }).some((problem) => problem.startsWith('MicrosoftAppId')));
    assert.ok(problemsOf({ MicrosoftAppId: 'x' }).some((problem) => problem.startsWith('MicrosoftAppPassword')));
    assert.ok(
      problemsOf({ MicrosoftAppId: 'x', MicrosoftAppPassword: 'y', MicrosoftAppType: 'SingleTenant' }).some((problem) =>
        problem.startsWith('MicrosoftAppTenantId'),
      ),
    );
  });

  it('listens on loopback in local mode unless HOST is set; on every interface with an app id (issue 16)', () => {
    assert.equal(loadConfig({}).HOST, '127.0.0.1');
    assert.equal(loadConfig({ HOST: '0.0.0.0' }).HOST, '0.0.0.0');
    assert.equal(loadConfig({ MicrosoftAppId: 'x', MicrosoftAppPassword: 'y' }).HOST, '0.0.0.0');
  });

  it('requires an https PUBLIC_BASE_URL in production, and a health key of some length (issue 16)', () => {
    const production = { NODE_ENV: 'production', MicrosoftAppId: 'x', MicrosoftAppPassword: 'y' };
    assert.ok(problemsOf(production).some((problem) => problem.startsWith('PUBLIC_BASE_URL')));
    assert.ok(problemsOf({ ...production, PUBLIC_BASE_URL: 'http://cpor.example.com' }).some((problem) => problem.startsWith('PUBLIC_BASE_URL')));
    assert.equal(loadConfig({ ...production, PUBLIC_BASE_URL: 'https://cpor.example.com' }).PUBLIC_BASE_URL, 'https://cpor.example.com');
    assert.ok(problemsOf({ HEALTH_KEY: 'short' }).some((problem) => problem.startsWith('HEALTH_KEY')));
  });

  it('never echoes a secret back in a configuration error', () => {
    const schema = z.object({ GRAPH_CLIENT_SECRET: z.string().min(32), MicrosoftAppPassword: z.string().min(8) });
    try {
      parseEnvironment(schema, { GRAPH_CLIENT_SECRET: 'short-secret', MicrosoftAppPassword: 'pw' }, 'Test');
      assert.fail('accepted');
    } catch (error) {
      assert.ok(error instanceof ConfigurationError);
      assert.equal(error.problems.length, 2);
      assert.ok(!error.message.includes('short-secret') && !error.message.includes('"pw"'), error.message);
    }
  });
});
