import type { AddressInfo } from 'node:net';
import restify from 'restify';
import { ConsentMailer } from '../../consent/consentMail.js';
import { consentFactsFromClaim } from '../../consent/consentMailNotice.js';
import { EmlOutboxSender } from '../../consent/consentMailSender.js';
import { registerConsentRoutes } from '../../consent/consentPage.js';
import { openConsentLinks, type ConsentLinks } from '../../consent/openConsent.js';
import type { Claim } from '../../services/model.js';
import { FileDocumentStore } from '../../storage/files/fileDocumentStore.js';
import type { Harness } from '../support/serviceHarness.js';
import { FileBlobStore } from '../../storage/files/fileBlobStore.js';

// The consent page on a real restify server over the harness's claim service, and the links
// the consent mail would carry to it.

export interface ConsentPageServer extends ConsentLinks {
  baseUrl: string;
  /** Mails the claim's notice (to .eml files) and returns the first contact's link. */
  mailLink(claim: Claim): Promise<string>;
  stop(): Promise<void>;
}

export async function startConsentPage(harness: Harness, options: { serverWideBodyParser?: boolean } = {}): Promise<ConsentPageServer> {
  const links = await openConsentLinks(
    { dataDir: harness.dataDir },
    { blobs: new FileBlobStore(harness.dataDir), documents: new FileDocumentStore({ dataDir: harness.dataDir, clock: harness.clock }) },
  );
  const server = restify.createServer({ handleUncaughtExceptions: false });
  // bot/server.ts parses bodies server-wide; the page must work with and without that.
  if (options.serverWideBodyParser ?? true) server.use(restify.plugins.bodyParser({ mapParams: false }));
  registerConsentRoutes(server, {
    service: harness.service,
    tokens: links.tokens,
    usedTokens: links.usedTokens,
    timeZone: 'UTC',
    secureCookies: false,
    clock: harness.clock,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const mailer = new ConsentMailer({
    tokens: links.tokens,
    sender: new EmlOutboxSender(new FileBlobStore(harness.dataDir), harness.clock),
    publicBaseUrl: baseUrl,
    from: 'notices@contoso.com',
    defaultLocale: 'en',
    timeZone: 'UTC',
  });
  return {
    ...links,
    baseUrl,
    mailLink: async (claim) => {
      const [sent] = await mailer.send(consentFactsFromClaim(claim));
      if (!sent) throw new Error('no contact to mail');
      return sent.link;
    },
    stop: async () => {
      server.server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
