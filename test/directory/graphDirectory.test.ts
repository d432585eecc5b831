import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDirectoryConfig } from '../../services/directory/directoryConfig.js';
import { clientSecretCredential } from '../../services/directory/graphClient.js';
import type { Directory } from '../../services/directory/directory.js';
import { openDirectory } from '../../services/directory/openDirectory.js';
import { isDomainError } from '../../services/errors.js';
import { ManualClock, MONDAY, OTHER_PARTNER_TENANT, PARTNER_TENANT } from '../support/serviceHarness.js';
import { fakeCredential, GraphStandIn, json } from './helpers.js';
import { RosterFiles } from '../../storage/files/rosterFiles.js';

const ADMINS_GROUP = 'aaaaaaaa-0000-4000-8000-000000000001';
const USERS_GROUP = 'aaaaaaaa-0000-4000-8000-000000000002';
const REVIEWERS_GROUP = 'aaaaaaaa-0000-4000-8000-000000000003';
const USER_ID = 'bbbbbbbb-0000-4000-8000-000000000009';
const PROFILE = { id: USER_ID, displayName: 'Ana Admin', mail: 'ana@contoso.com', userPrincipalName: 'ana@contoso.onmicrosoft.com' };

describe('directory: Microsoft Graph, against a local stand-in', function () {
  this.timeout(20_000);
  let dataDir: string;
  let graph: GraphStandIn;
  let baseUrl: string;

  async function open(extra: Record<string, string> = {}): Promise<Directory> {
    const config = loadDirectoryConfig({
      DATA_DIR: dataDir,
      GRAPH_TENANT_ID: PARTNER_TENANT,
      GRAPH_CLIENT_ID: 'cccccccc-0000-4000-8000-000000000000',
      GRAPH_CLIENT_SECRET: 'not-used-the-credential-is-fake',
      GRAPH_BASE_URL: baseUrl,
      GRAPH_ROLE_GROUPS: `${ADMINS_GROUP}=incentives-admin,${USERS_GROUP}=incentives-user,${REVIEWERS_GROUP}=reviewer`,
      GRAPH_TIMEOUT_MS: '400',
      GRAPH_MAX_RETRIES: '2',
      GRAPH_MAX_RETRY_AFTER_SECONDS: '5',
      ...extra,
    });
    const services = await openDirectory(config, {
      credential: fakeCredential,
      clock: new ManualClock(MONDAY),
      rosterStorage: new RosterFiles(config.rosterFile, config.auditFile),
    });
    assert.equal(services.kind, 'graph');
    return services.directory;
  }

  /** Answers the profile and group calls like Graph, for a member of the admins group. */
  function answerLikeGraph(): void {
    graph.handler = (request, response) => {
      if (request.method === 'GET' && request.path.startsWith(`/v1.0/users/${USER_ID}`)) return json(response, 200, PROFILE);
      if (request.method === 'POST' && request.path === `/v1.0/users/${USER_ID}/checkMemberGroups`) {
        return json(response, 200, { value: [ADMINS_GROUP] });
      }
      return json(response, 404, { error: { code: 'Request_ResourceNotFound', message: 'no such user' } });
    };
  }

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cpor-graph-'));
    await writeFile(
      join(dataDir, 'roster.jsonl'),
      `${JSON.stringify({ type: 'organisation', tenantId: PARTNER_TENANT, name: 'Contoso Partners', partnerIds: ['4512345'] })}\n`,
    );
    graph = new GraphStandIn();
    baseUrl = await graph.start();
  });
  afterEach(async () => {
    await graph.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('signs in as the app registration with its secret when no credential is given', async () => {
    const credential = clientSecretCredential(PARTNER_TENANT, 'cccccccc-0000-4000-8000-000000000000', 'a-secret');
    assert.equal(credential.constructor.name, 'ClientSecretCredential');
    assert.equal(typeof credential.getToken, 'function');
    assert.throws(() => clientSecretCredential('not a tenant id!', 'cccccccc-0000-4000-8000-000000000000', 'a-secret'), /tenant/i);

    const config = loadDirectoryConfig({
      DATA_DIR: dataDir,
      GRAPH_TENANT_ID: PARTNER_TENANT,
      GRAPH_CLIENT_ID: 'cccccccc-0000-4000-8000-000000000000',
      GRAPH_CLIENT_SECRET: 'a-secret',
      GRAPH_BASE_URL: baseUrl,
    });
    const services = await openDirectory(config, { clock: new ManualClock(MONDAY), rosterStorage: new RosterFiles(config.rosterFile, config.auditFile) });
    assert.equal(services.kind, 'graph');
  });

  it('reads the profile and maps group membership to roles, with a bearer token', async () => {
    answerLikeGraph();
    const directory = await open();
    const user = await directory.resolve(USER_ID, PARTNER_TENANT);
    assert.deepEqual(user.roles, ['incentives-admin']);
    assert.equal(user.displayName, 'Ana Admin');
    assert.equal(user.email, 'ana@contoso.com');
    assert.deepEqual(user.organisation, { tenantId: PARTNER_TENANT, name: 'Contoso Partners', partnerIds: ['4512345'] }, 'from the roster');

    const [profile, groups] = graph.requests;
    assert.equal(graph.requests.length, 2);
    assert.equal(profile?.method, 'GET');
    assert.match(profile?.path ?? '', new RegExp(`^/v1\\.0/users/${USER_ID}\\?\\$select=id,displayName,mail,userPrincipalName$`));
    assert.equal(groups?.method, 'POST');
    assert.equal(groups?.path, `/v1.0/users/${USER_ID}/checkMemberGroups`);
    assert.deepEqual(JSON.parse(groups?.body ?? ''), { groupIds: [ADMINS_GROUP, USERS_GROUP, REVIEWERS_GROUP] });
    for (const request of graph.requests) assert.equal(request.headers.authorization, 'Bearer test-token');

    await directory.resolve(USER_ID, PARTNER_TENANT);
    assert.equal(graph.requests.length, 2, 'the second answer comes from the cache');
  });

  it('gives a user Graph does not know no roles', async () => {
    const directory = await open();
    const user = await directory.resolve('dddddddd-0000-4000-8000-000000000000', PARTNER_TENANT);
    assert.deepEqual(user.roles, []);
    assert.equal(graph.requests.length, 1, 'no group check for an unknown user');
  });

  it('resolves users of other tenants from the roster, without calling Graph', async () => {
    const directory = await open();
    const user = await directory.resolve(USER_ID, OTHER_PARTNER_TENANT);
    assert.deepEqual(user.roles, []);
    assert.equal(graph.requests.length, 0);
  });

  it('waits as long as Retry-After says on 429, then succeeds', async () => {
    answerLikeGraph();
    const answer = graph.handler;
    graph.handler = (request, response, index) => {
      if (index === 0) return json(response, 429, { error: { code: 'TooManyRequests' } }, { 'Retry-After': '1' });
      return answer(request, response, index);
    };
    const directory = await open();
    const started = Date.now();
    const user = await directory.resolve(USER_ID, PARTNER_TENANT);
    const waited = Date.now() - started;
    assert.deepEqual(user.roles, ['incentives-admin']);
    assert.ok(waited >= 950, `waited ${waited} ms for a Retry-After of 1 s`);
    assert.equal(graph.requests.length, 3);
    assert.equal(graph.requests[1]?.path, graph.requests[0]?.path, 'the same request again');
    assert.equal(graph.requests[1]?.headers['retry-attempt'], '1');
    assert.equal(graph.requests[1]?.headers.authorization, 'Bearer test-token');
  });

  it('fails closed when Graph keeps answering 429, or asks to wait too long', async () => {
    graph.handler = (_request, response) => json(response, 429, { error: { code: 'TooManyRequests' } }, { 'Retry-After': '0' });
    const directory = await open();
    await assert.rejects(directory.resolve(USER_ID, PARTNER_TENANT), (error) => isDomainError(error));
    assert.equal(graph.requests.length, 3, 'the first try and two retries, then it stops');

    graph.requests.length = 0;
    graph.handler = (_request, response) => json(response, 429, { error: { code: 'TooManyRequests' } }, { 'Retry-After': '3600' });
    const started = Date.now();
    await assert.rejects(directory.resolve(USER_ID, PARTNER_TENANT), (error) => isDomainError(error));
    assert.ok(Date.now() - started < 2_000, 'an hour-long Retry-After is not waited for');
    assert.equal(graph.requests.length, 1);
  });

  it('fails closed on a 500 from the group check: no role is granted', async () => {
    answerLikeGraph();
    const answer = graph.handler;
    graph.handler = (request, response, index) =>
      request.path.endsWith('/checkMemberGroups') ? json(response, 500, { error: { code: 'InternalServerError' } }) : answer(request, response, index);
    const directory = await open();
    await assert.rejects(directory.resolve(USER_ID, PARTNER_TENANT), (error) => {
      assert.ok(isDomainError(error), String(error));
      assert.equal(error.code, 'directory-unavailable');
      return true;
    });
    graph.handler = answer;
    assert.deepEqual((await directory.resolve(USER_ID, PARTNER_TENANT)).roles, ['incentives-admin'], 'failures are not cached');
  });

  it('fails closed when Graph does not answer in time', async () => {
    graph.handler = () => undefined; // never answers
    const directory = await open({ GRAPH_MAX_RETRIES: '0' });
    const started = Date.now();
    await assert.rejects(directory.resolve(USER_ID, PARTNER_TENANT), (error) => isDomainError(error));
    const took = Date.now() - started;
    assert.ok(took >= 350 && took < 3_000, `gave up after ${took} ms with a 400 ms timeout`);
  });

  it('refuses a configuration that names only part of the Graph settings, or plain http off this machine', () => {
    assert.throws(() => loadDirectoryConfig({ GRAPH_TENANT_ID: PARTNER_TENANT }), /GRAPH_CLIENT_ID.*\n.*GRAPH_CLIENT_SECRET/s);
    assert.throws(() => loadDirectoryConfig({ GRAPH_BASE_URL: 'http://graph.example.com' }), /GRAPH_BASE_URL="http:\/\/graph.example.com": an https URL/);
    assert.throws(() => loadDirectoryConfig({ GRAPH_ROLE_GROUPS: 'admins=incentives-admin' }), /GRAPH_ROLE_GROUPS/);
    assert.throws(
      () => loadDirectoryConfig({ CONSENT_SECRET: 'short' }),
      (error: Error) => !error.message.includes('short'),
      'secrets are not echoed',
    );
  });
});
