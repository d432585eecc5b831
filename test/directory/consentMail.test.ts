import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { composeConsentMail, ConsentMailer, createConsentMailer } from '../../consent/consentMail.js';
import { consentFactsFromAlert, consentFactsFromClaim, localeForRecipient } from '../../consent/consentMailNotice.js';
import { EmlOutboxSender } from '../../consent/consentMailSender.js';
import { verifyConsentToken } from '../../consent/consentTokens.js';
import { LinkTokens, loadLinkSecret } from '../../services/linkTokens.js';
import { loadDirectoryConfig } from '../../services/directory/directoryConfig.js';
import { openDirectory } from '../../services/directory/openDirectory.js';
import { bizAppsDetails, claimAt, createHarness, CUSTOMER_TENANT, PARTNER_TENANT, type Harness } from '../support/serviceHarness.js';
import { fakeCredential, GraphStandIn } from './helpers.js';
import { FileBlobStore } from '../../storage/files/fileBlobStore.js';
import { RosterFiles } from '../../storage/files/rosterFiles.js';

/** The decoded parts of an `.eml` file written by EmlOutboxSender. */
function readEml(text: string): { headers: string; plain: string; html: string } {
  const [headers = '', ...rest] = text.split('\r\n\r\n');
  const body = rest.join('\r\n\r\n');
  const boundary = /boundary="([^"]+)"/.exec(headers)?.[1];
  assert.ok(boundary, 'a multipart message');
  const parts = body.split(`--${boundary}`).slice(1, -1);
  const decode = (type: string) => {
    const part = parts.find((candidate) => candidate.includes(`Content-Type: ${type}; charset=UTF-8`));
    assert.ok(part, `a ${type} part`);
    return Buffer.from(part.split('\r\n\r\n')[1]?.replace(/\r\n/g, '') ?? '', 'base64').toString('utf8');
  };
  return { headers, plain: decode('text/plain'), html: decode('text/html') };
}

const decodeSubject = (headers: string) => Buffer.from(/^Subject: =\?UTF-8\?B\?([^?]+)\?=/m.exec(headers)?.[1] ?? '', 'base64').toString('utf8');

describe('consent by email', () => {
  let harness: Harness;
  let tokens: LinkTokens;
  beforeEach(async () => {
    harness = await createHarness();
    tokens = new LinkTokens(await loadLinkSecret(new FileBlobStore(harness.dataDir)));
  });
  afterEach(async () => harness.cleanup());

  /** A mailer writing .eml files into the harness's outbox folder. */
  const emlMailer = (timeZone: string) =>
    new ConsentMailer({
      tokens,
      sender: new EmlOutboxSender(new FileBlobStore(harness.dataDir), harness.clock),
      publicBaseUrl: 'http://localhost:3978',
      from: 'notices@contoso.com',
      defaultLocale: 'en',
      timeZone,
    });

  it('writes an .eml with the complete notice and a signed link when Graph is not configured', async () => {
    const claim = await claimAt(harness, 'Approved');
    const config = loadDirectoryConfig({ DATA_DIR: harness.dataDir, PUBLIC_BASE_URL: 'https://bot.example.com/' });
    const mailer = createConsentMailer({
      config,
      tokens,
      blobs: new FileBlobStore(harness.dataDir),
      defaultLocale: 'en',
      timeZone: 'UTC',
      clock: harness.clock,
    });
    const [sent, ...others] = await mailer.send(consentFactsFromClaim(claim));
    assert.equal(others.length, 0);
    assert.ok(sent);
    assert.equal(sent.to, 'dana@fabrikam.com');
    assert.match(sent.link, /^https:\/\/bot\.example\.com\/consent\/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+\?lang=en$/, 'a compact JWS, URL-safe as it is');

    const folder = join(harness.dataDir, 'outbox-mail');
    const files = await readdir(folder);
    assert.equal(files.length, 1);
    assert.match(files[0] ?? '', new RegExp(`^${claim.id}-[\\w-]+\\.eml$`));
    const { headers, plain, html } = readEml(await readFile(join(folder, files[0]!), 'utf8'));
    assert.match(headers, /^To: =\?UTF-8\?B\?[^?]+\?= <dana@fabrikam\.com>$/m);
    assert.match(headers, /^From: cpor-claims-assistant@localhost$/m);
    assert.equal(decodeSubject(headers), 'Contoso Partners asks to be the partner of record for fabrikam.onmicrosoft.com');

    // SPEC section 5: who, which workloads, which data and nothing else, no action needed, until when.
    for (const expected of [
      'Contoso Partners (PartnerID 4512345)',
      'Teams and Exchange',
      'will see usage data for these workloads',
      'will not see any other data of your organisation',
      "You don't need to do anything to accept.",
      'you can opt out until Nov 30, 2026, 09:00 AM UTC',
      sent.link,
    ]) {
      assert.ok(plain.includes(expected), `the text says "${expected}"`);
    }
    assert.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
    assert.ok(html.includes(`href="${sent.link}"`), 'the HTML has the link as a button');
    assert.ok(html.includes('You don&#39;t need to do anything to accept.'));

    const token = sent.link.split('/consent/')[1]!.split('?')[0]!;
    const check = await verifyConsentToken(tokens, token, harness.clock.now());
    assert.ok(check.ok);
    assert.equal(check.token.claimId, claim.id);
    assert.equal(check.token.customerTenantId, CUSTOMER_TENANT);
    assert.equal(check.token.purpose, 'opt-out');
    assert.equal(check.token.expiresAt.toISOString(), claim.deadlines.consentWindow, 'the link expires with the window');
    assert.ok(!token.includes('dana'), 'the address is not in the link');
  });

  it('builds the notice from the consent-notice alert and writes it in the contacts language', async () => {
    const claim = await claimAt(
      harness,
      'Approved',
      bizAppsDetails({
        customerContact: { name: 'Ana Cliente', title: 'CIO', email: 'ana@fabrikam.es' },
        technicalContact: { name: 'Tomás', email: 'tomas@fabrikam.com.br' },
      }),
    );
    const document = await harness.repository.get(claim.id);
    const alert = document?.outbox.find((candidate) => candidate.kind === 'consent-notice');
    assert.ok(alert, 'approval recorded a consent-notice alert');
    const facts = consentFactsFromAlert(alert);
    assert.deepEqual(
      facts.contacts.map((contact) => contact.email),
      ['ana@fabrikam.es', 'tomas@fabrikam.com.br'],
    );

    const mailer = emlMailer('Europe/Madrid');
    const sent = await mailer.send(facts);
    assert.deepEqual(
      sent.map((mail) => mail.locale),
      ['es', 'pt-BR'],
    );
    const spanish = readEml(await readFile(sent[0]!.location, 'utf8'));
    assert.equal(decodeSubject(spanish.headers), 'Contoso Partners solicita ser el asociado de registro de fabrikam.onmicrosoft.com');
    assert.ok(spanish.plain.includes('la suscripción 66666666-6666-4666-8666-666666666666 (Dynamics 365 Sales)'));
    assert.ok(spanish.plain.includes('No necesita hacer nada para aceptar.'));
    assert.match(spanish.html, /<html lang="es">/);
    const portuguese = readEml(await readFile(sent[1]!.location, 'utf8'));
    assert.ok(portuguese.plain.includes('Você não precisa fazer nada para aceitar.'));
  });

  it('partner-center-2023: mails the notice at submission, with an opt-out at any time and a link valid for a year', async () => {
    await harness.cleanup();
    harness = await createHarness({ policy: 'partner-center-2023' });
    tokens = new LinkTokens(await loadLinkSecret(new FileBlobStore(harness.dataDir)));
    const claim = await claimAt(harness, 'Submitted');
    const alert = (await harness.repository.get(claim.id))?.outbox.find((candidate) => candidate.kind === 'consent-notice');
    assert.ok(alert, 'submission recorded a consent-notice alert');
    const facts = consentFactsFromAlert(alert);
    assert.equal(facts.optOutUntil, undefined);
    assert.equal(Date.parse(facts.linkExpiresAt) - Date.parse(alert.createdAt), 365 * 24 * 60 * 60 * 1000);
    const mailer = emlMailer('UTC');
    const [sent] = await mailer.send(facts);
    const { plain } = readEml(await readFile(sent!.location, 'utf8'));
    assert.ok(plain.includes('you can opt out at any time'), plain);
    assert.ok(plain.includes('Claiming Partner of Record lets Microsoft identify and recognise'), 'the purpose');
    assert.deepEqual(consentFactsFromClaim(claim).optOutUntil, undefined);
  });

  it('picks the language from the country domain, else the default', () => {
    assert.equal(localeForRecipient('a@fabrikam.it', 'fabrikam.onmicrosoft.com', 'en'), 'it');
    assert.equal(localeForRecipient('a@fabrikam.se', 'x.com', 'en'), 'sv');
    assert.equal(localeForRecipient('a@fabrikam.com', 'fabrikam.com.mx', 'en'), 'es');
    assert.equal(localeForRecipient('a@fabrikam.com', 'fabrikam.com', 'it'), 'it');
    assert.equal(localeForRecipient('a@fabrikam.sv', 'x.com', 'en'), 'es', '.sv is El Salvador');
  });

  it('sends through Graph sendMail from the configured mailbox when Graph is configured', async () => {
    const graph = new GraphStandIn();
    graph.handler = (_request, response) => {
      response.writeHead(202);
      response.end();
    };
    const baseUrl = await graph.start();
    try {
      const claim = await claimAt(harness, 'Approved');
      const config = loadDirectoryConfig({
        DATA_DIR: harness.dataDir,
        GRAPH_TENANT_ID: PARTNER_TENANT,
        GRAPH_CLIENT_ID: 'cccccccc-0000-4000-8000-000000000000',
        GRAPH_CLIENT_SECRET: 'unused',
        GRAPH_BASE_URL: baseUrl,
        GRAPH_MAIL_SENDER: 'notices@contoso.com',
        PUBLIC_BASE_URL: 'https://bot.example.com',
      });
      const { graphClient } = await openDirectory(config, {
        credential: fakeCredential,
        clock: harness.clock,
        rosterStorage: new RosterFiles(config.rosterFile, config.auditFile),
      });
      const mailer = createConsentMailer({
        config,
        tokens,
        graphClient,
        blobs: new FileBlobStore(harness.dataDir),
        defaultLocale: 'en',
        timeZone: 'UTC',
        clock: harness.clock,
      });
      const [sent] = await mailer.send(consentFactsFromClaim(claim));
      assert.equal(sent?.location, 'graph:notices@contoso.com');

      assert.equal(graph.requests.length, 1);
      const [request] = graph.requests;
      assert.equal(request?.method, 'POST');
      assert.equal(request?.path, '/v1.0/users/notices%40contoso.com/sendMail');
      assert.equal(request?.headers.authorization, 'Bearer test-token');
      const body = JSON.parse(request?.body ?? '') as {
        message: { subject: string; body: { contentType: string; content: string }; toRecipients: { emailAddress: { address: string; name?: string } }[] };
        saveToSentItems: boolean;
      };
      assert.equal(body.message.subject, 'Contoso Partners asks to be the partner of record for fabrikam.onmicrosoft.com');
      assert.equal(body.message.body.contentType, 'HTML');
      assert.ok(body.message.body.content.includes(`href="${sent?.link}"`));
      assert.deepEqual(body.message.toRecipients, [{ emailAddress: { address: 'dana@fabrikam.com', name: 'Dana Customer' } }]);
      assert.equal(body.saveToSentItems, true);
      assert.deepEqual(await readdir(harness.dataDir).then((names) => names.includes('outbox-mail')), false, 'no .eml when Graph sends');
    } finally {
      await graph.stop();
    }
  });

  it('escapes what the partner typed', async () => {
    const claim = await claimAt(harness, 'Approved');
    const facts = { ...consentFactsFromClaim(claim), partnerName: '<script>alert(1)</script>' };
    const { html } = composeConsentMail(facts, 'en', 'https://bot.example.com/consent/x?lang=en', 'UTC');
    assert.ok(!html.includes('<script>'));
    assert.ok(html.includes('&#60;script&#62;'));
  });
});
