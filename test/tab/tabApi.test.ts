import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { CUSTOMER, OTHER_PARTNER, PARTNER, PARTNER_ES, REVIEWER } from '../e2e/support/e2eApp.js';
import { csvSections } from './support/csv.js';
import { makeKnownClaims, startTabApp, type KnownClaims, type TabApp } from './support/tabApp.js';

// The tab's API over real HTTP against startApp (local mode: the person in the user/tenant query
// parameters), on the real store with claims made through the claim service on a manual clock.
// Access: a partner sees their organisation's claims and nothing of another's, from any
// endpoint; a customer gets nothing; reviewers get the queue, workload and statistics.

const HOUR = 3_600_000;

describe('claims tab API (local mode, real HTTP, real store)', function () {
  this.timeout(60_000);
  let tab: TabApp;
  let known: KnownClaims;

  before(async () => {
    tab = await startTabApp();
    known = await makeKnownClaims(tab);
  });
  after(async () => tab?.close());

  const json = async (response: Response, status = 200) => {
    const text = await response.text();
    assert.equal(response.status, status, text.slice(0, 500));
    return JSON.parse(text) as Record<string, unknown> & { rows: Record<string, unknown>[] };
  };

  it('serves the page with a CSP that loads nothing from elsewhere, in the asked language', async () => {
    const response = await tab.get(undefined, '', { lang: 'es' });
    assert.equal(response.status, 200);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors [^;]*https:\/\/teams\.microsoft\.com/);
    const html = await response.text();
    assert.match(html, /<html lang="es">/);
    assert.match(html, /Exportar CSV/);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'no external resource');
    const teams = await fetch(`${tab.app.url}/tab/teams.js`);
    assert.equal(teams.status, 200);
    assert.match(await teams.text(), /authentication/);
  });

  it("lists a partner's organisation's claims only, with search, filters, sort and pages", async () => {
    const all = await json(await tab.get(PARTNER, 'api/claims', { sort: 'id', direction: 'asc' }));
    assert.equal(all.total, 3);
    assert.deepEqual(
      all.rows.map((row) => row.id),
      [known.approved.id, known.asked.id, known.draft.id].sort(),
    );
    const searched = await json(await tab.get(PARTNER, 'api/claims', { text: 'adatum' }));
    assert.deepEqual(
      searched.rows.map((row) => row.id),
      [known.asked.id],
    );
    const byStatus = await json(await tab.get(PARTNER, 'api/claims', { status: 'Approved,Draft', sort: 'status', direction: 'asc' }));
    assert.deepEqual(
      byStatus.rows.map((row) => row.id),
      [known.draft.id, known.approved.id],
    );
    const byProgram = await json(await tab.get(PARTNER, 'api/claims', { program: 'OSU-BizApps' }));
    assert.deepEqual(
      byProgram.rows.map((row) => row.id),
      [known.asked.id],
    );
    const byCustomer = await json(await tab.get(PARTNER, 'api/claims', { customer: 'LITWARE' }));
    assert.deepEqual(
      byCustomer.rows.map((row) => row.id),
      [known.draft.id],
    );
    // The consent window ends 2026-12-02 (5 business days from Wed 25 Nov), the response is due 2026-12-03.
    const before = await json(await tab.get(PARTNER, 'api/claims', { deadlineBefore: '2026-12-03' }));
    assert.deepEqual(
      before.rows.map((row) => row.id),
      [known.approved.id],
    );
    const after = await json(await tab.get(PARTNER, 'api/claims', { deadlineAfter: '2026-12-02' }));
    assert.deepEqual(
      after.rows.map((row) => row.id),
      [known.asked.id],
    );
    const page2 = await json(await tab.get(PARTNER, 'api/claims', { sort: 'id', direction: 'desc', pageSize: '2', page: '2' }));
    assert.deepEqual(
      page2.rows.map((row) => row.id),
      [[known.approved.id, known.asked.id, known.draft.id].sort()[0]],
    );
  });

  it('refuses bad query parameters with a message in the reader language', async () => {
    const bad = await json(await tab.get(PARTNER_ES, 'api/claims', { sort: 'password' }, { 'accept-language': 'es-ES,es;q=0.9' }), 400);
    assert.deepEqual(bad.error, { code: 'validation', message: 'El valor de "sort" no es válido.' });
    const unknown = await json(await tab.get(PARTNER, 'api/claims', { partnerTenantId: 'x' }), 400);
    assert.match(String((unknown.error as { message: string }).message), /"partnerTenantId" is not valid/);
    const range = await json(await tab.get(REVIEWER, 'api/statistics', { from: '2026-12-07', to: '2026-11-01' }), 400);
    assert.match(String((range.error as { message: string }).message), /date range is not valid/);
  });

  it("shows a claim's detail: status line, deadlines, history and PoE with signed links", async () => {
    const detail = await json(await tab.get(PARTNER, `api/claims/${known.asked.id}`));
    assert.equal(detail.statusLine, 'Partner action required · Missing customer acknowledgement (signature)');
    assert.deepEqual(
      (detail.deadlines as { name: string; at: string }[]).map((deadline) => deadline.name),
      ['partnerResponse', 'decision'],
    );
    assert.deepEqual(
      (detail.history as { action: string }[]).map((entry) => entry.action),
      ['Claim created', 'Proof of execution added', 'Submitted', 'Review started', 'Information requested'],
    );
    const [file] = detail.poe as { name: string; url: string }[];
    assert.equal(file!.name, 'adatum-ack.pdf');
    assert.match(file!.url, /\/poe\/[\w.-]+$/);
  });

  it('gives another organisation nothing of the first one: list, search, detail, export, statistics', async () => {
    const list = await json(await tab.get(OTHER_PARTNER, 'api/claims', { pageSize: '200' }));
    assert.deepEqual(
      list.rows.map((row) => row.id),
      [known.northwind.id],
    );
    for (const text of ['fabrikam', 'contoso', known.approved.id]) {
      assert.equal((await json(await tab.get(OTHER_PARTNER, 'api/claims', { text }))).total, 0, text);
    }
    for (const claim of [known.approved, known.asked, known.draft]) {
      const refused = await json(await tab.get(OTHER_PARTNER, `api/claims/${claim.id}`), 404);
      assert.equal((refused.error as { code: string }).code, 'not-found');
    }
    // And the first organisation sees nothing of Northwind's.
    assert.equal((await json(await tab.get(PARTNER, `api/claims/${known.northwind.id}`), 404)).error !== undefined, true);
    const csv = await (await tab.get(OTHER_PARTNER, 'api/export', { format: 'csv' })).text();
    for (const secret of [known.approved.id, known.asked.id, known.draft.id, 'Contoso', 'fabrikam', 'adatum']) assert.ok(!csv.includes(secret), secret);
    const partnerCsv = await (await tab.get(PARTNER, 'api/export', { format: 'csv' })).text();
    for (const secret of [known.northwind.id, 'Northwind', 'tailspin']) assert.ok(!partnerCsv.includes(secret), secret);
    for (const path of ['api/statistics', 'api/queue', 'api/workload']) {
      const refused = await json(await tab.get(PARTNER, path), 403);
      assert.equal((refused.error as { code: string }).code, 'not-allowed', path);
    }
  });

  it('gives a customer no tab data, and refuses requests that name nobody', async () => {
    assert.equal((await json(await tab.get(CUSTOMER, 'api/me'))).view, 'none');
    for (const path of ['api/claims', `api/claims/${known.approved.id}`, 'api/export', 'api/statistics', 'api/queue']) {
      assert.equal((await tab.get(CUSTOMER, path)).status, 403, path);
    }
    const anonymous = await json(await tab.get(undefined, 'api/claims'), 401);
    assert.equal((anonymous.error as { code: string }).code, 'sign-in-missing');
    const forged = await json(await tab.get(undefined, 'api/claims', { user: 'x', tenant: 'not-a-guid' }), 401);
    assert.equal((forged.error as { code: string }).code, 'sign-in-invalid');
  });

  it('gives a reviewer the queue with SLA age, their workload, and every claim but drafts', async () => {
    const queue = await json(await tab.get(REVIEWER, 'api/queue'));
    assert.deepEqual(queue.rows, [], 'nothing waits: every submitted claim was picked up');
    const workload = await json(await tab.get(REVIEWER, 'api/workload'));
    assert.deepEqual(
      workload.rows.map((row) => [row.claimId, row.actions, row.actionText]),
      [
        [known.northwind.id, 2, 'Rejected'],
        [known.asked.id, 2, 'Information requested'],
        [known.approved.id, 2, 'Approved'],
      ],
    );
    const all = await json(await tab.get(REVIEWER, 'api/claims', { sort: 'id', direction: 'asc' }));
    assert.deepEqual(
      all.rows.map((row) => row.id),
      [known.approved.id, known.asked.id, known.northwind.id].sort(),
    );
    assert.equal((await tab.get(REVIEWER, `api/claims/${known.draft.id}`)).status, 404);
  });

  it('computes the statistics from the known claims', async () => {
    const stats = await json(await tab.get(REVIEWER, 'api/statistics', { from: '2026-11-23', to: '2026-12-07' }));
    const byDay = stats.byDay as { day: string; counts: Record<string, number> }[];
    assert.equal(byDay.length, 15);
    assert.deepEqual(byDay[0], { day: '2026-11-23', counts: { Submitted: 3 } });
    assert.deepEqual(byDay[1], { day: '2026-11-24', counts: { InReview: 2, Submitted: 1 } });
    assert.deepEqual(byDay[2], { day: '2026-11-25', counts: { Approved: 1, InReview: 1, Submitted: 1 } });
    assert.deepEqual(byDay[10], { day: '2026-12-03', counts: { Approved: 1, PartnerActionRequired: 1, Submitted: 1 } });
    assert.deepEqual(byDay[14], { day: '2026-12-07', counts: { Approved: 1, PartnerActionRequired: 1, Rejected: 1 } });
    const time = Object.fromEntries((stats.timeInStatus as { status: string; stays: number; averageMs: number }[]).map((entry) => [entry.status, entry]));
    assert.deepEqual(time.Submitted, { status: 'Submitted', stays: 3, averageMs: 129 * HOUR, label: 'Submitted' });
    assert.deepEqual(time.InReview, { status: 'InReview', stays: 3, averageMs: (74 * HOUR) / 3, label: 'Under review' });
    assert.deepEqual(
      (stats.sla as { kind: string; met: number; missed: number; pending: number }[]).map(({ kind, met, missed, pending }) => ({ kind, met, missed, pending })),
      [
        { kind: 'reviewStart', met: 2, missed: 1, pending: 0 },
        { kind: 'reviewDecision', met: 3, missed: 0, pending: 0 },
      ],
    );
    assert.deepEqual(stats.programs, [
      { program: 'OSU-BizApps', reviewed: 1, approved: 0, rejected: 0, informationRequested: 1, approvalRate: null, informationRequestRate: 1 },
      { program: 'OSU-M365', reviewed: 2, approved: 1, rejected: 1, informationRequested: 0, approvalRate: 0.5, informationRequestRate: 0 },
    ]);
    // A range before anything happened has nothing in it.
    const empty = await json(await tab.get(REVIEWER, 'api/statistics', { from: '2026-11-01', to: '2026-11-22' }));
    assert.ok((empty.byDay as { counts: object }[]).every((day) => Object.keys(day.counts).length === 0));
    assert.deepEqual(empty.programs, []);
  });

  it('exports what the filters show as CSV (claims, then history) with formulas neutralized', async () => {
    const response = await tab.get(PARTNER, 'api/export', { format: 'csv', program: 'OSU-BizApps' });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(response.headers.get('content-disposition') ?? '', /attachment; filename="cpor-claims-2026-12-07\.csv"/);
    const text = await response.text();
    assert.ok(text.includes('\r\n'), 'CRLF line ends');
    const { claims, history } = csvSections(text);
    assert.equal(claims[0]![0], 'Claim');
    assert.deepEqual(
      claims.slice(1).map((row) => row[0]),
      [known.asked.id],
    );
    assert.equal(history[0]![5], 'Action');
    const asked = history.find((row) => row[5] === 'Information requested')!;
    assert.equal(asked[9], `'=HYPERLINK("http://evil.example","sign here")`);
    assert.equal(history.length - 1, known.asked.history.length);
  });

  it('exports XLSX with a claims sheet and a history sheet', async () => {
    const response = await tab.get(PARTNER, 'api/export', { format: 'xlsx', sort: 'id', direction: 'asc' });
    assert.equal(response.status, 200, tab.logs.join('\n'));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await response.arrayBuffer()) as unknown as ArrayBuffer);
    assert.deepEqual(
      workbook.worksheets.map((sheet) => sheet.name),
      ['Claims', 'Claim history'],
    );
    const claims = workbook.getWorksheet('Claims')!;
    const ids: string[] = [];
    claims.eachRow((row, number) => number > 1 && ids.push(String(row.getCell(1).value)));
    assert.deepEqual(ids, [known.approved.id, known.asked.id, known.draft.id].sort());
    const history = workbook.getWorksheet('Claim history')!;
    const comments: string[] = [];
    history.eachRow((row) => comments.push(String(row.getCell(10).value ?? '')));
    assert.ok(comments.includes(`'=HYPERLINK("http://evil.example","sign here")`));
    // Written as text: no cell of the workbook is a formula.
    history.eachRow((row) => row.eachCell((cell) => assert.notEqual(cell.type, ExcelJS.ValueType.Formula)));
    const rows = history.rowCount - 1;
    assert.equal(rows, known.approved.history.length + known.asked.history.length + known.draft.history.length);
  });
});
