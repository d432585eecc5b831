import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { warnIfUnauthenticated } from '../../bot/config.js';
import { e2ePerTest, PARTNER, REVIEWER, type E2E } from './support/e2eApp.js';

// Issue 16, findings 1, 2, 3 (health), 7 and 9, through the real server: what reaches the bot
// at all. Multipart and other body types are refused before a byte is kept; local mode stays on
// loopback; the public health check says only "ok"; malformed activities get 400 at once and
// cause no outbound call; production serves Teams activities that name their tenant only.

const APP_ID = { MicrosoftAppId: '9d5f0a1e-0c1b-4b8e-9f3a-2a6b7c8d9e0f', MicrosoftAppPassword: 'not-a-real-secret' };

async function uploadsInTemp(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith('upload_'));
}

/** The first non-loopback IPv4 address of this machine: "another host" as far as the bot knows. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address;
}

function multipart(size: number): { body: Buffer; type: string } {
  const boundary = `----cpor${randomUUID()}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  return {
    body: Buffer.concat([Buffer.from(head), Buffer.alloc(size, 7), Buffer.from(`\r\n--${boundary}--\r\n`)]),
    type: `multipart/form-data; boundary=${boundary}`,
  };
}

/** A POST whose body is streamed without Content-Length (chunked), so only counting can stop it. */
function postChunked(url: string, type: string, chunks: number, chunkBytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': type } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < chunks) {
        sent += 1;
        if (!req.write(Buffer.alloc(chunkBytes, 32))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('e2e: the edge (issue 16)', function () {
  this.timeout(30_000);
  const apps = e2ePerTest();
  let e2e: E2E | undefined;

  const post = async (path: string, body: string | Buffer, type: string, headers: Record<string, string> = {}) => {
    const started = performance.now();
    const response = await fetch(`${e2e!.app.url}${path}`, { method: 'POST', headers: { 'content-type': type, ...headers }, body });
    return { status: response.status, text: await response.text(), ms: performance.now() - started };
  };

  it('1. multipart (or any other type) is refused with 415 on every route and nothing lands in the temp folder', async () => {
    e2e = await apps.start();
    const before = await uploadsInTemp();
    const upload = multipart(3_000_000);
    for (const path of ['/api/messages', `/consent/${'a'.repeat(40)}`, '/healthz']) {
      const answer = await post(path, upload.body, upload.type);
      assert.equal(answer.status, path === '/healthz' ? 405 : 415, `${path}: ${answer.text}`);
    }
    assert.equal((await post('/api/messages', 'type=message', 'application/x-www-form-urlencoded')).status, 415, 'a form is not an activity');
    assert.equal((await post('/consent/x', '{}', 'application/json')).status, 415, 'JSON is not the consent form');
    assert.equal((await post('/api/messages', '{}', 'application/json', { 'content-encoding': 'gzip' })).status, 415);
    assert.deepEqual(await uploadsInTemp(), before, 'no upload_* file was written');
    await e2e.quiet(50);
    assert.equal(e2e.connector.requests.length, 0);
  });

  it('1. a body without Content-Length is cut off at MAX_BODY_BYTES while reading (413)', async () => {
    e2e = await apps.start({ env: { MAX_BODY_BYTES: '8192' } });
    assert.equal(await postChunked(`${e2e.app.url}/api/messages`, 'application/json', 64, 16 * 1024), 413);
    assert.equal(await postChunked(`${e2e.app.url}/consent/x`, 'application/x-www-form-urlencoded', 64, 16 * 1024), 413);
    // Still serving.
    assert.equal((await e2e.say(PARTNER, 'help')).length, 1);
  });

  it('2. local mode binds loopback unless HOST is set: another host cannot even connect', async function () {
    const external = externalAddress();
    if (!external) this.skip();
    e2e = await apps.start({ env: { HOST: '' } });
    assert.equal(e2e.config.HOST, '127.0.0.1');
    assert.equal(e2e.app.listening, `http://127.0.0.1:${e2e.app.port}`, 'the banner shows the address really bound');
    const activity = { ...e2e.client.activity(REVIEWER, 'message'), text: 'queue' };
    await assert.rejects(
      fetch(`http://${external}:${e2e.app.port}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity),
      }),
      'refused from another interface',
    );
    await e2e.quiet(50);
    assert.equal(e2e.connector.requests.length, 0, 'the queue went nowhere');
  });

  it('2. an explicit non-loopback HOST is the opt-in, and is warned about loudly', async function () {
    const external = externalAddress();
    if (!external) this.skip();
    e2e = await apps.start({ env: { HOST: '0.0.0.0' } });
    const warnings: string[] = [];
    warnIfUnauthenticated(e2e.config, (text) => warnings.push(text));
    assert.match(warnings.join(''), /HOST=0\.0\.0\.0 is not loopback: ANYONE on the network/);
    const quiet: string[] = [];
    warnIfUnauthenticated({ ...e2e.config, HOST: '127.0.0.1' }, (text) => quiet.push(text));
    assert.doesNotMatch(quiet.join(''), /not loopback/);
    const answer = await fetch(`http://${external}:${e2e.app.port}/healthz`);
    assert.equal(answer.status, 200);
  });

  it('3. the public /healthz says only {status}; the figures need loopback (no proxy) or the key', async function () {
    const external = externalAddress();
    if (!external) this.skip();
    const key = 'k'.repeat(32);
    e2e = await apps.start({ env: { HOST: '0.0.0.0', HEALTH_KEY: key } });
    const publicHealth = await fetch(`http://${external}:${e2e.app.port}/healthz`);
    assert.deepEqual(await publicHealth.json(), { status: 'ok' });
    const details = (headers: Record<string, string> = {}, host = external) => fetch(`http://${host}:${e2e!.app.port}/healthz/details`, { headers });
    assert.equal((await details()).status, 403, 'another host without the key');
    assert.equal((await details({ 'x-health-key': 'k'.repeat(31) + 'x' })).status, 403, 'a wrong key');
    assert.equal((await details({ 'x-forwarded-for': '203.0.113.9' }, '127.0.0.1')).status, 403, 'loopback through a proxy');
    const withKey = await details({ 'x-health-key': key });
    assert.equal(withKey.status, 200);
    assert.equal(((await withKey.json()) as { claims: number }).claims, 0);
    assert.equal((await details({}, '127.0.0.1')).status, 200, 'this machine');
  });

  it('9. malformed activities get 400 with a short reason, at once, and no outbound call', async () => {
    e2e = await apps.start();
    const base = { ...e2e.client.activity(PARTNER, 'message'), text: 'help' };
    const without = (field: string) => Object.fromEntries(Object.entries(base).filter(([name]) => name !== field));
    const cases: Array<[string, unknown, RegExp]> = [
      ['no conversation', without('conversation'), /^conversation: required$/],
      ['no type', without('type'), /^type: required$/],
      ['no serviceUrl', without('serviceUrl'), /^serviceUrl: required$/],
      ['a serviceUrl that is no URL', { ...base, serviceUrl: 'smba' }, /^serviceUrl: invalid$/],
      ['no from', without('from'), /^from: required$/],
      ['a conversation without id', { ...base, conversation: { tenantId: PARTNER.tenantId } }, /^conversation\.id: required$/],
      ['an invoke without name', { ...base, type: 'invoke' }, /^name: required/],
      ['a card action whose value is a string', { ...base, type: 'invoke', name: 'adaptiveCard/action', value: 'approve' }, /^value: invalid$/],
      ['a card action without action', { ...base, type: 'invoke', name: 'adaptiveCard/action', value: { trigger: 'manual' } }, /^value\.action: required$/],
      ['attachments that are no list', { ...base, attachments: 'x' }, /^attachments: invalid$/],
      ['a JSON array', [base], /^expected a JSON object$/],
    ];
    for (const [what, body, reason] of cases) {
      const answer = await post('/api/messages', JSON.stringify(body), 'application/json');
      assert.equal(answer.status, 400, `${what}: HTTP ${answer.status} ${answer.text}`);
      assert.match((JSON.parse(answer.text) as { error: string }).error, reason, what);
      assert.ok(answer.ms < 1000, `${what} answered in ${Math.round(answer.ms)} ms`);
    }
    assert.equal((await post('/api/messages', '{"type":', 'application/json')).status, 400, 'malformed JSON');
    await e2e.quiet(100);
    assert.equal(e2e.connector.requests.length, 0, 'nothing was sent anywhere');
    assert.deepEqual(e2e.logs, [], 'and nothing failed inside');
    // A well-formed one still works.
    assert.equal((await e2e.say(PARTNER, 'help')).length, 1);
  });

  it('7. production refuses activities from other channels, without a tenant, or with an http service URL', async () => {
    e2e = await apps.start({ env: { ...APP_ID, NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://cpor.example.com' } });
    const base = { ...e2e.client.activity(PARTNER, 'message'), text: 'help' };
    const cases: Array<[string, unknown, string]> = [
      ['the emulator channel', { ...base, channelId: 'emulator' }, 'channelId: only msteams is served'],
      ['no tenant anywhere', { ...base, conversation: { id: 'a:1', conversationType: 'personal' }, channelData: {} }, 'tenant: required'],
      ['an http service URL', base, 'serviceUrl: https required'],
    ];
    for (const [what, body, reason] of cases) {
      const answer = await post('/api/messages', JSON.stringify(body), 'application/json');
      assert.equal(answer.status, 400, what);
      assert.equal((JSON.parse(answer.text) as { error: string }).error, reason, what);
    }
    // A Teams activity with its tenant and an https service URL goes on to authentication.
    const teams = await post('/api/messages', JSON.stringify({ ...base, serviceUrl: 'https://smba.trafficmanager.net/emea/' }), 'application/json');
    assert.equal(teams.status, 401);
    await e2e.quiet(50);
    assert.equal(e2e.connector.requests.length, 0);
    assert.equal(await e2e.app.repository.count(), 0);
  });
});
