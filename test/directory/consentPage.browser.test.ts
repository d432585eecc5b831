import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { launchChromium, requireChromium } from '../support/chromium.js';
import { claimAt, createHarness, reviewer, type Harness } from '../support/serviceHarness.js';
import { startConsentPage, type ConsentPageServer } from './consentPageServer.js';

// The consent page in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
// it renders on a phone-sized screen, and Opt out -> confirm rejects the claim. Screenshots go to
// test-output/. A missing browser fails the test unless SKIP_BROWSER_TESTS=1.

const OUTPUT = join(process.cwd(), 'test-output');

describe('consent page in headless Chromium', function () {
  this.timeout(60_000);
  let harness: Harness;
  let page: ConsentPageServer;
  let context: BrowserContext;
  let profile: string;
  const blocked: string[] = [];

  before(async function () {
    requireChromium(this);
    harness = await createHarness();
    page = await startConsentPage(harness);
    ({ context, profile } = await launchChromium({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    }));
    // Nothing leaves this machine.
    await context.route('**/*', (route) => {
      const { hostname } = new URL(route.request().url());
      if (hostname === '127.0.0.1' || hostname === 'localhost') return route.continue();
      blocked.push(route.request().url());
      return route.abort();
    });
    await mkdir(OUTPUT, { recursive: true });
  });

  after(async () => {
    await context?.close();
    await page?.stop();
    await harness?.cleanup();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('renders the notice on a phone, and Opt out then confirm rejects the claim', async () => {
    const claim = await claimAt(harness, 'Approved');
    const link = await page.mailLink(claim);
    const tab = await context.newPage();

    const response = await tab.goto(link);
    assert.equal(response?.status(), 200);
    assert.equal(await tab.title(), 'Partner of record: consent notice');
    assert.match((await tab.locator('h1').textContent()) ?? '', /Contoso Partners asks to be your partner of record/);
    const optOut = tab.locator('#opt-out');
    assert.ok(await optOut.isVisible());
    const width = await tab.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok(width <= 390, `no sideways scrolling on a phone (page is ${width}px wide)`);
    await tab.screenshot({ path: join(OUTPUT, 'consent-notice.png'), fullPage: true });

    await optOut.click();
    await tab.waitForSelector('#confirm');
    assert.match((await tab.locator('h1').textContent()) ?? '', /Opt out of this request\?/);
    await tab.screenshot({ path: join(OUTPUT, 'consent-confirm.png'), fullPage: true });

    await tab.click('#confirm');
    await tab.waitForSelector('#done');
    assert.equal(await tab.locator('#done').textContent(), 'You have opted out');
    await tab.screenshot({ path: join(OUTPUT, 'consent-done.png'), fullPage: true });

    const after = await harness.service.get(reviewer(), claim.id);
    assert.equal(after.status, 'Rejected');
    assert.equal(after.rejection?.reason, 'customer-declined');
    assert.deepEqual(blocked, [], 'the page asks for nothing outside this machine');
  });
});
