import assert from 'node:assert/strict';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { BrowserContext, Page } from 'playwright-core';
import type { TeamsUser } from '../support/botClient.js';
import { launchChromium, requireChromium } from '../support/chromium.js';
import { PARTNER, REVIEWER } from '../e2e/support/e2eApp.js';
import { makeKnownClaims, startTabApp, type KnownClaims, type TabApp } from './support/tabApp.js';
import { csvSections } from './support/csv.js';

// The claims tab in a real headless Chromium (Debian's), local mode (the person in the page's
// user/tenant parameters), on the real app and store with known claims: a partner filters, opens
// a claim and exports CSV and XLSX; a reviewer sees the queue, workload and the charts drawn from
// the known figures. Every request that would leave this machine is blocked and recorded.
// Screenshots go to test-output/.

const OUTPUT = join(process.cwd(), 'test-output');

describe('claims tab in headless Chromium', function () {
  this.timeout(120_000);
  let tab: TabApp;
  let known: KnownClaims;
  let context: BrowserContext;
  let profile: string;
  const blocked: string[] = [];
  const problems: string[] = [];

  before(async function () {
    requireChromium(this);
    tab = await startTabApp();
    known = await makeKnownClaims(tab);
    ({ context, profile } = await launchChromium({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, locale: 'en-US' }));
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
    await tab?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  async function open(person: TeamsUser): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`));
    const query = new URLSearchParams({ user: person.aadObjectId, tenant: person.tenantId });
    const response = await page.goto(`${tab.app.url}/tab?${query}`);
    assert.equal(response?.status(), 200);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    return page;
  }

  const cellTexts = (page: Page, selector: string) => page.locator(selector).allTextContents();

  it('a partner filters, sorts, opens a claim and exports CSV and XLSX', async () => {
    const page = await open(PARTNER);
    assert.equal(await page.getAttribute('body', 'data-view'), 'partner');
    assert.equal(await page.locator('#queue-section').isVisible(), false, 'no reviewer sections for a partner');
    assert.deepEqual((await cellTexts(page, '#claims-table tbody tr td:first-child')).sort(), [known.approved.id, known.asked.id, known.draft.id].sort());
    await page.screenshot({ path: join(OUTPUT, 'tab-partner.png'), fullPage: true });

    // Sort by claim id with the keyboard: focus the header button and press Enter.
    await page.locator('button.sort[data-sort="id"]').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('th[data-sort="id"][aria-sort="ascending"]');
    assert.deepEqual(await cellTexts(page, '#claims-table tbody tr td:first-child'), [known.approved.id, known.asked.id, known.draft.id].sort());

    await page.selectOption('#filter-program', 'OSU-BizApps');
    await page.click('#apply');
    await page.waitForSelector(`#claims-table tbody tr:only-child[data-claim="${known.asked.id}"]`);
    assert.deepEqual(await cellTexts(page, '#claims-table tbody tr td:first-child'), [known.asked.id]);
    assert.equal(await page.textContent('#count'), '1 claims');

    await page.click(`button[data-open="${known.asked.id}"]`);
    await page.waitForSelector(`#detail[data-claim="${known.asked.id}"]`);
    assert.equal(await page.textContent('#detail-status'), 'Partner action required · Missing customer acknowledgement (signature)');
    assert.equal(await page.locator('#detail-history tbody tr').count(), known.asked.history.length);
    assert.equal(await page.locator('#detail-poe a').textContent(), 'adatum-ack.pdf');
    assert.match((await page.locator('#detail-poe a').getAttribute('href')) ?? '', /\/poe\//);
    assert.equal(await page.locator('#detail-deadlines li[data-deadline="partnerResponse"]').count(), 1);
    await page.locator('#detail').screenshot({ path: join(OUTPUT, 'tab-partner-detail.png') });

    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    assert.match(csvDownload.suggestedFilename(), /^cpor-claims-2026-12-07\.csv$/);
    const { claims, history } = csvSections(await readFile((await csvDownload.path())!, 'utf8'));
    assert.deepEqual(
      claims.slice(1).map((row) => row[0]),
      [known.asked.id],
      'the export holds what the filters show',
    );
    assert.equal(history.length - 1, known.asked.history.length);

    const [xlsxDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-xlsx')]);
    assert.match(xlsxDownload.suggestedFilename(), /\.xlsx$/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await readFile((await xlsxDownload.path())!)) as unknown as ArrayBuffer);
    assert.equal(workbook.getWorksheet('Claims')!.getRow(2).getCell(1).value, known.asked.id);
    assert.equal(workbook.getWorksheet('Claims')!.rowCount, 2);
    assert.equal(workbook.getWorksheet('Claim history')!.rowCount - 1, known.asked.history.length);

    // Nothing of Northwind's anywhere on the page.
    assert.ok(!(await page.content()).includes(known.northwind.id));
    await page.close();
  });

  it('a reviewer sees the queue, the workload and the charts drawn from the known claims', async () => {
    const page = await open(REVIEWER);
    assert.equal(await page.getAttribute('body', 'data-view'), 'reviewer');
    // The default range: the 30 days up to today (the app's clock: Monday 7 December).
    assert.equal(await page.getAttribute('body', 'data-statistics'), '2026-11-08..2026-12-07');
    assert.deepEqual(await cellTexts(page, '#workload-table tbody tr td:first-child'), [known.northwind.id, known.asked.id, known.approved.id]);
    assert.equal(await page.textContent('#queue-table tbody'), 'No claims are waiting for review.');

    const count = (selector: string) => page.locator(selector).getAttribute('data-count');
    assert.equal(await count('#chart-by-day rect[data-day="2026-11-23"][data-status="Submitted"]'), '3');
    assert.equal(await count('#chart-by-day rect[data-day="2026-11-24"][data-status="InReview"]'), '2');
    assert.equal(await count('#chart-by-day rect[data-day="2026-12-07"][data-status="Rejected"]'), '1');
    assert.equal(await page.locator('#chart-by-day rect[data-day="2026-11-22"]').count(), 0, 'nothing before the first submission');
    assert.equal(await page.locator('#chart-time rect[data-status]').count(), 2);
    assert.equal(await page.locator('#chart-time rect[data-status="Submitted"]').getAttribute('data-average-ms'), String(129 * 3_600_000));
    const reviewStart = page.locator('#chart-sla g[data-kind="reviewStart"]');
    assert.deepEqual([await reviewStart.getAttribute('data-met'), await reviewStart.getAttribute('data-missed')], ['2', '1']);
    assert.ok(((await page.textContent('#chart-sla')) ?? '').includes('67%'));
    assert.equal(await page.locator('#chart-programs rect[data-program="OSU-M365"][data-rate-kind="approval"]').getAttribute('data-rate'), '0.5');
    assert.equal(await page.locator('#chart-programs rect[data-program="OSU-BizApps"][data-rate-kind="information"]').getAttribute('data-rate'), '1');
    await page.screenshot({ path: join(OUTPUT, 'tab-reviewer.png'), fullPage: true });

    // A narrower range: only the first week; the later rejection is gone from the charts.
    await page.fill('#range-from', '2026-11-23');
    await page.fill('#range-to', '2026-11-29');
    await page.click('#range button[type="submit"]');
    await page.waitForSelector('body[data-statistics="2026-11-23..2026-11-29"]');
    assert.equal(await page.locator('#chart-by-day rect[data-status="Rejected"]').count(), 0);
    const narrowed = page.locator('#chart-sla g[data-kind="reviewStart"]');
    assert.deepEqual(
      [await narrowed.getAttribute('data-met'), await narrowed.getAttribute('data-missed')],
      ['2', '1'],
      'the late start still counts: its SLA began that week',
    );
    await page.close();

    assert.deepEqual(blocked, [], 'the tab asks for nothing outside this machine');
    assert.deepEqual(problems, [], 'no script errors and no CSP violations');
  });
});
