import assert from 'node:assert/strict';
import { renderAlert, renderClaimCard, renderHistory, type Viewer } from '../../cards/index.js';
import { translatorFor, type Locale } from '../../cards/i18n/i18n.js';
import { ClaimService } from '../../services/claimService.js';
import type { Claim, PoeInput } from '../../services/model.js';
import { createPolicy } from '../../services/policy.js';
import { PRECHECKS } from '../../services/precheck.js';
import { claimChecklist, suggestedReasons } from '../../services/precheckChecklist.js';
import { PrecheckRunner } from '../../services/precheckRunner.js';
import { FileBlobStore } from '../../storage/files/fileBlobStore.js';
import { cardStrings } from '../e2e/support/e2eApp.js';
import { whereText } from '../../cards/precheckText.js';
import { GOOD_POE_LINES, MarkerChecker, textPdf } from '../support/markerChecker.js';
import { createHarness, m365Details, partner, reviewer, type Harness } from '../support/serviceHarness.js';

// The pre-check in the claim service and its runner, on the real files store and blob store:
// a report is kept with its file once per checker version and facts, shows in history, and sends
// the partner one checklist; edited details and a new checker make files be read again; a
// restart finds what was not read; cards show the evidence and prefill Request information.

describe('PoE pre-check', function () {
  let harness: Harness;
  let blobs: FileBlobStore;
  let runners: PrecheckRunner[];

  beforeEach(async function () {
    harness = await createHarness();
    blobs = new FileBlobStore(harness.dataDir);
    runners = [];
  });
  afterEach(async function () {
    for (const runner of runners) await runner.stop();
    await harness.cleanup();
  });

  function runner(checker: MarkerChecker, service = harness.service): PrecheckRunner {
    const started = new PrecheckRunner({ claims: service, blobs, checker, clock: harness.clock, sweepIntervalMs: 3_600_000 });
    runners.push(started);
    started.start();
    return started;
  }

  /** A draft with one uploaded file whose text is `lines`, its bytes in the blob store. */
  async function draftWith(name: string, ...lines: string[]): Promise<Claim> {
    const claim = await harness.service.create(partner(), m365Details());
    return upload(claim, name, ...lines);
  }

  async function upload(claim: Claim, name: string, ...lines: string[]): Promise<Claim> {
    const bytes = textPdf(...lines);
    const file: PoeInput = { name, contentType: 'application/pdf', size: bytes.length, sha256: 'b'.repeat(64), storagePath: `poe/${claim.id}/${name}` };
    await blobs.put(file.storagePath, bytes);
    return harness.service.addPoe(partner(), claim.id, claim.version, file);
  }

  /** The service as the runner sees it, and the claims whose work the runner asked for (each a read of the store). */
  function readsOf(service: ClaimService): { counted: ClaimService; read: string[] } {
    const read: string[] = [];
    const counted = Object.assign(Object.create(service) as ClaimService, {
      precheckWork: (claimId: string, version: string) => {
        read.push(claimId);
        return service.precheckWork(claimId, version);
      },
    });
    return { counted, read };
  }

  const document = async (claimId: string) => (await harness.repository.get(claimId))!;
  const prechecksOf = async (claimId: string) => (await document(claimId)).outbox.filter((alert) => alert.kind === 'poe-prechecked');

  describe('recording a report', function () {
    it('keeps it with the file, in history, with a new version and one checklist alert to the partner', async function () {
      const claim = await draftWith('sow.pdf', ...GOOD_POE_LINES.slice(0, 2));
      const work = (await harness.service.precheckWork(claim.id, 'marker-1'))!;
      assert.deepEqual(
        work.files.map((file) => file.name),
        ['sow.pdf'],
      );
      assert.equal(work.facts.customerDomain, 'fabrikam.onmicrosoft.com');
      assert.deepEqual(work.facts.workloads, ['Exchange', 'Teams']);
      assert.equal(work.facts.maxDateAgeMonths, 12);
      const report = await new MarkerChecker(harness.clock).check(
        { name: 'sow.pdf', contentType: 'application/pdf', bytes: (await blobs.get(work.files[0]!.storagePath))! },
        work.facts,
      );

      assert.equal(await harness.service.recordPrecheck(claim.id, work.files[0]!.id, report, work.factsDigest), 'recorded');
      const stored = (await document(claim.id)).claim;
      assert.equal(stored.version, claim.version + 1);
      assert.deepEqual(stored.poe[0]!.precheck, { report, factsDigest: work.factsDigest, maxDateAgeMonths: 12 });
      const entry = stored.history.at(-1)!;
      assert.equal(entry.action, 'poe-prechecked');
      assert.equal(entry.role, 'system');
      assert.equal(entry.fromStatus, undefined, 'no status change');
      assert.deepEqual(entry.changes, [{ field: 'precheck', to: { file: 'sow.pdf', found: 4, of: 6 } }]);
      const alerts = await prechecksOf(claim.id);
      assert.equal(alerts.length, 1);
      assert.equal(alerts[0]!.to, 'partner');
      assert.equal(stored.status, 'Draft');

      // The same checker version and facts again: nothing changes, no second alert.
      assert.equal(await harness.service.recordPrecheck(claim.id, work.files[0]!.id, report, work.factsDigest), 'unchanged');
      assert.equal((await document(claim.id)).claim.version, stored.version);
      assert.equal((await prechecksOf(claim.id)).length, 1);
      assert.equal(await harness.service.precheckWork(claim.id, 'marker-1'), undefined, 'nothing left to check');
    });

    it('changes nothing for a file or a claim that is gone, and refuses a report on facts edited meanwhile', async function () {
      const claim = await draftWith('sow.pdf', ...GOOD_POE_LINES);
      const work = (await harness.service.precheckWork(claim.id, 'marker-1'))!;
      const report = await new MarkerChecker(harness.clock).check(
        { name: 'sow.pdf', contentType: 'application/pdf', bytes: textPdf(...GOOD_POE_LINES) },
        work.facts,
      );
      assert.equal(await harness.service.recordPrecheck(claim.id, 'no-such-file', report, work.factsDigest), 'unchanged');
      assert.equal((await document(claim.id)).claim.version, claim.version);

      const edited = await harness.service.update(partner(), claim.id, claim.version, { workloads: ['Teams'] });
      assert.equal(await harness.service.recordPrecheck(claim.id, work.files[0]!.id, report, work.factsDigest), 'stale');
      assert.equal((await document(claim.id)).claim.version, edited.version);
      assert.equal((await prechecksOf(claim.id)).length, 0);

      await harness.service.discard(partner(), claim.id, edited.version);
      assert.equal(await harness.service.recordPrecheck(claim.id, work.files[0]!.id, report, work.factsDigest), 'unchanged');
    });

    it('refuses a malformed report (data at a boundary)', async function () {
      const claim = await draftWith('sow.pdf', ...GOOD_POE_LINES);
      const work = (await harness.service.precheckWork(claim.id, 'marker-1'))!;
      const report = await new MarkerChecker(harness.clock).check(
        { name: 'sow.pdf', contentType: 'application/pdf', bytes: textPdf(...GOOD_POE_LINES) },
        work.facts,
      );
      await assert.rejects(harness.service.recordPrecheck(claim.id, work.files[0]!.id, { ...report, checkerVersion: '' }, work.factsDigest));
      assert.equal((await document(claim.id)).claim.poe[0]!.precheck, undefined);
    });
  });

  describe('the runner', function () {
    it('checks a new file off the request path, once, and the partner gets one checklist', async function () {
      const checker = new MarkerChecker(harness.clock);
      const started = runner(checker);
      const claim = await draftWith('sow.pdf', ...GOOD_POE_LINES);
      await started.whenIdle();
      const stored = (await document(claim.id)).claim;
      assert.equal(stored.poe[0]!.precheck?.report.checkerVersion, 'marker-1');
      assert.ok(stored.poe[0]!.precheck!.report.findings.every((finding) => finding.found));
      assert.deepEqual(
        checker.calls.map((call) => call.name),
        ['sow.pdf'],
      );
      assert.equal((await prechecksOf(claim.id)).length, 1);

      // Submitting the same day changes the claim but not its facts: nothing is read again.
      await harness.service.submit(partner(), claim.id, stored.version);
      await started.whenIdle();
      assert.equal(checker.calls.length, 1);
      assert.equal(started.health().recorded, 1);
    });

    it('does not read the store again for a change that leaves every file current (a review, a decision)', async function () {
      const checker = new MarkerChecker(harness.clock);
      const { counted, read } = readsOf(harness.service);
      const started = runner(checker, counted);
      let claim = await draftWith('sow.pdf', ...GOOD_POE_LINES);
      await started.whenIdle();
      const askedAfterCheck = read.length;
      claim = (await document(claim.id)).claim;
      claim = await harness.service.submit(partner(), claim.id, claim.version);
      claim = await harness.service.startReview(reviewer(), claim.id, claim.version);
      await harness.service.approve(reviewer(), claim.id, claim.version);
      await started.whenIdle();
      assert.equal(read.length, askedAfterCheck);
      assert.equal(checker.calls.length, 1);

      // A new file is still looked at at once.
      const draft = await draftWith('second.pdf', ...GOOD_POE_LINES);
      await started.whenIdle();
      assert.equal(read.length, askedAfterCheck + 1);
      assert.equal((await document(draft.id)).claim.poe[0]!.precheck?.report.checkerVersion, 'marker-1');
    });

    it('reads the files again when the details change, and tells the partner only when the checklist changed', async function () {
      const checker = new MarkerChecker(harness.clock);
      const started = runner(checker);
      const claim = await draftWith('sow.pdf', ...GOOD_POE_LINES);
      await started.whenIdle();
      const first = (await document(claim.id)).claim;

      // Same checklist with fewer workloads: re-read, a new history entry, but no second card.
      await harness.service.update(partner(), claim.id, first.version, { workloads: ['Teams'] });
      await started.whenIdle();
      let stored = (await document(claim.id)).claim;
      assert.equal(checker.calls.length, 2);
      assert.deepEqual(checker.calls[1]!.facts.workloads, ['Teams']);
      assert.notEqual(stored.poe[0]!.precheck!.factsDigest, first.poe[0]!.precheck!.factsDigest);
      assert.equal(stored.history.filter((entry) => entry.action === 'poe-prechecked').length, 2);
      assert.equal((await prechecksOf(claim.id)).length, 1);

      // A workload the file does not name: the checklist changes, and the partner hears of it.
      await harness.service.update(partner(), claim.id, stored.version, { workloads: ['Teams', 'Intune'] });
      await started.whenIdle();
      stored = (await document(claim.id)).claim;
      const products = stored.poe[0]!.precheck!.report.findings.find((finding) => finding.check === 'products-named')!;
      assert.equal(products.found, false);
      assert.deepEqual(products.missingWorkloads, ['Intune']);
      const alerts = await prechecksOf(claim.id);
      assert.equal(alerts.length, 2);
      const card = JSON.stringify(renderAlert(alerts[1]!, viewer('en', 'partner')));
      assert.ok(
        card.includes(
          translatorFor('en').t('cards.precheck.missingWorkloads', {
            check: translatorFor('en').t('cards.precheck.check.products-named'),
            workloads: 'Intune',
          }),
        ),
      );
    });

    it('reads every file again for a new checker version', async function () {
      const old = new MarkerChecker(harness.clock, 'marker-1');
      const started = runner(old);
      const claim = await draftWith('sow.pdf', ...GOOD_POE_LINES);
      await started.whenIdle();
      await started.stop();

      const newer = new MarkerChecker(harness.clock, 'marker-2');
      const next = runner(newer);
      await next.whenIdle();
      assert.deepEqual(
        newer.calls.map((call) => call.name),
        ['sow.pdf'],
      );
      const stored = (await document(claim.id)).claim;
      assert.equal(stored.poe[0]!.precheck!.report.checkerVersion, 'marker-2');
      assert.equal(stored.history.filter((entry) => entry.action === 'poe-prechecked').length, 2);
      // Same checks met: the partner is not told twice.
      assert.equal((await prechecksOf(claim.id)).length, 1);
    });

    it('after a restart, finds the files no one read (from the store alone)', async function () {
      // Uploaded while no runner ran (the process stopped before it got to them).
      const claim = await draftWith('sow.pdf', ...GOOD_POE_LINES);
      const second = await upload(claim, 'photo.pdf', 'SCANNED-IMAGE');
      const restarted = await harness.restart();
      const checker = new MarkerChecker(restarted.clock);
      const started = runner(checker, restarted.service);
      await started.whenIdle();
      assert.deepEqual(checker.calls.map((call) => call.name).sort(), ['photo.pdf', 'sow.pdf']);
      const stored = (await restarted.repository.get(second.id))!.claim;
      assert.equal(stored.poe[1]!.precheck!.report.unreadable, 'scanned-image');
      assert.deepEqual(stored.history.at(-1)!.changes, [{ field: 'precheck', to: { file: 'photo.pdf', found: 0, of: 6, unreadable: 'scanned-image' } }]);
      await restarted.repository.close();
    });

    it('at a sweep, reads only the claims with a file to check, and all of them for another date limit', async function () {
      const checked = await draftWith('sow.pdf', ...GOOD_POE_LINES);
      const first = runner(new MarkerChecker(harness.clock));
      await first.whenIdle();
      await first.stop();
      await harness.service.create(partner(), m365Details());
      // Uploaded while no runner ran.
      const waiting = await upload(await harness.service.create(partner(), m365Details()), 'photo.pdf', 'SCANNED-IMAGE');
      const restarted = await harness.restart();
      try {
        /** A runner on `service` whose checker starts afresh, and the claims it read. */
        const sweep = async (service: ClaimService) => {
          const { counted, read } = readsOf(service);
          const checker = new MarkerChecker(restarted.clock);
          await runner(checker, counted).whenIdle();
          return { read, checked: checker.calls.map((call) => `${call.name} (${call.facts.maxDateAgeMonths})`) };
        };
        assert.deepEqual(await sweep(restarted.service), { read: [waiting.id], checked: ['photo.pdf (12)'] });
        assert.deepEqual(await sweep(restarted.service), { read: [], checked: [] });

        // A report kept before its date limit was: read, found current, not checked again.
        const stored = structuredClone((await restarted.repository.get(checked.id))!);
        delete stored.claim.poe[0]!.precheck!.maxDateAgeMonths;
        await restarted.repository.save(stored, stored.claim.version);
        assert.deepEqual(await sweep(restarted.service), { read: [checked.id], checked: [] });

        const policy = createPolicy({});
        const sixMonths = new ClaimService({
          repository: restarted.repository,
          policy: { ...policy, poe: { ...policy.poe, maxDateAgeMonths: 6 } },
          clock: restarted.clock,
        });
        assert.deepEqual(await sweep(sixMonths), { read: [checked.id, waiting.id], checked: ['sow.pdf (6)', 'photo.pdf (6)'] });
        assert.deepEqual(await sweep(sixMonths), { read: [], checked: [] });
      } finally {
        await restarted.repository.close();
      }
    });

    it('keeps going past a file it cannot check, and leaves finished claims alone', async function () {
      const checker = new MarkerChecker(harness.clock);
      checker.failing.add('broken.pdf');
      const claim = await draftWith('broken.pdf', 'x');
      await upload(claim, 'sow.pdf', ...GOOD_POE_LINES).then(async (current) => {
        // Finished claims are not read again, even without a report.
        const approved = await harness.service.create(partner(), m365Details({ workloads: ['Intune'] }));
        const withFile = await upload(approved, 'old.pdf', ...GOOD_POE_LINES);
        let done = await harness.service.submit(partner(), withFile.id, withFile.version);
        done = await harness.service.startReview(reviewer(), done.id, done.version);
        await harness.service.approve(reviewer(), done.id, done.version);
        return current;
      });
      const started = runner(checker);
      await started.whenIdle();
      assert.deepEqual(checker.calls.map((call) => call.name).sort(), ['broken.pdf', 'sow.pdf']);
      const stored = (await document(claim.id)).claim;
      assert.equal(stored.poe.find((file) => file.name === 'broken.pdf')!.precheck, undefined);
      assert.ok(stored.poe.find((file) => file.name === 'sow.pdf')!.precheck);
      assert.equal(started.health().failed, 1);
      assert.match(started.health().lastError ?? '', /broken\.pdf/);
    });

    it('two runners on one store keep one report and send one checklist', async function () {
      const one = new MarkerChecker(harness.clock);
      const two = new MarkerChecker(harness.clock);
      const claim = await draftWith('sow.pdf', ...GOOD_POE_LINES);
      const [a, b] = [runner(one), runner(two)];
      await Promise.all([a.whenIdle(), b.whenIdle()]);
      assert.equal(one.calls.length + two.calls.length >= 1, true);
      const stored = (await document(claim.id)).claim;
      assert.equal(stored.history.filter((entry) => entry.action === 'poe-prechecked').length, 1);
      assert.equal((await prechecksOf(claim.id)).length, 1);
    });
  });

  describe('on cards', function () {
    it('says where the evidence is in the reader’s language', function () {
      const es = translatorFor('es');
      assert.equal(whereText(es, 'page 3'), 'página 3');
      assert.equal(whereText(translatorFor('sv'), 'sheet Budget'), 'blad Budget');
      assert.equal(whereText(translatorFor('it'), 'attachment contract.pdf, page 1'), 'allegato contract.pdf, pagina 1');
      assert.equal(whereText(translatorFor('pt-BR'), 'message'), 'mensagem');
      assert.equal(whereText(es, 'cell B2 [x]'), 'cell B2 \\[x\\]', 'anything else as it came, literally');
    });

    it('the reviewer sees the evidence and Request information prefilled; the history says n of 6', async function () {
      const checker = new MarkerChecker(harness.clock);
      const started = runner(checker);
      let claim = await draftWith('sow.pdf', 'Contoso Partners for fabrikam.onmicrosoft.com', 'Teams and Exchange, 2026-10-01');
      await started.whenIdle();
      claim = await harness.service.get(partner(), claim.id);
      claim = await harness.service.submit(partner(), claim.id, claim.version);
      await started.whenIdle();
      claim = await harness.service.get(reviewer(), claim.id);
      claim = await harness.service.startReview(reviewer(), claim.id, claim.version);

      const checklist = claimChecklist(claim.poe)!;
      assert.deepEqual(
        checklist.items.filter((item) => !item.found).map((item) => item.check),
        ['partner-work-described', 'customer-acknowledgement'],
      );
      assert.deepEqual(suggestedReasons(checklist.items), ['missing-customer-acknowledgement', 'missing-partner-solution']);

      for (const locale of ['en', 'es', 'pt-BR', 'it', 'sv'] as const) {
        const t = translatorFor(locale);
        const card = renderClaimCard(claim, viewer(locale, 'reviewer'), { allowed: harness.service.allowedActions(reviewer(), claim) });
        const strings = cardStrings(card);
        assert.ok(strings.includes(t.t('cards.precheck.heading')), locale);
        assert.ok(
          strings.includes(
            t.t('cards.precheck.foundIn', {
              check: t.t('cards.precheck.check.customer-named'),
              file: 'sow.pdf',
              where: t.t('cards.precheck.where.page', { n: '1' }),
              quote: 'Contoso Partners for fabrikam.onmicrosoft.com',
            }),
          ),
          `${locale}: the evidence with its page`,
        );
        assert.ok(strings.includes(t.t('cards.precheck.missing', { check: t.t('cards.precheck.check.customer-acknowledgement') })), locale);
        const reasons = findInput(card, 'infoReasons');
        assert.equal(reasons.value, 'missing-customer-acknowledgement,missing-partner-solution', `${locale}: prefilled`);
      }

      const history = cardStrings(renderHistory(claim, claim.history, viewer('en', 'partner')));
      const en = translatorFor('en');
      assert.ok(history.includes(en.t('cards.history.action.poe-prechecked')));
      assert.ok(history.includes(en.t('cards.history.prechecked', { file: 'sow.pdf', found: 4, of: PRECHECKS.length })));
    });

    it('the partner’s checklist lists every check and says the claim may still be submitted', async function () {
      const started = runner(new MarkerChecker(harness.clock));
      const claim = await draftWith('sow.pdf', 'Contoso Partners deployed Teams for Dana Customer');
      await started.whenIdle();
      const [alert] = await prechecksOf(claim.id);
      for (const locale of ['en', 'es', 'pt-BR', 'it', 'sv'] as const) {
        const t = translatorFor(locale);
        const strings = cardStrings(renderAlert(alert!, viewer(locale, 'partner')));
        const lines = strings.filter((text) => text.startsWith('✓') || text.startsWith('✗'));
        assert.equal(lines.length, PRECHECKS.length, `${locale}: ${strings.join(' | ')}`);
        assert.ok(strings.includes(t.t('cards.precheck.maySubmit')), locale);
        assert.ok(strings.includes(t.t('cards.precheck.fileSummary', { file: 'sow.pdf', found: 3, of: 6 })), locale);
      }
      const partnerCard = cardStrings(
        renderClaimCard((await document(claim.id)).claim, viewer('en', 'partner'), { allowed: harness.service.allowedActions(partner(), claim) }),
      );
      assert.ok(partnerCard.includes(translatorFor('en').t('cards.precheck.maySubmit')), 'the draft card says Submit stays open');
    });
  });
});

function viewer(locale: Locale, role: Viewer['role']): Viewer {
  return {
    userId: 'user-1',
    teamsUserId: '29:user-1',
    role,
    translator: translatorFor(locale),
    timeZone: 'Europe/Stockholm',
    now: new Date('2026-11-23T09:00:00Z'),
  };
}

function findInput(card: unknown, id: string): Record<string, unknown> {
  const stack: unknown[] = [card];
  while (stack.length) {
    const value = stack.pop();
    if (Array.isArray(value)) stack.push(...value);
    else if (value && typeof value === 'object') {
      const object = value as Record<string, unknown>;
      if (object.id === id) return object;
      stack.push(...Object.values(object));
    }
  }
  throw new Error(`no input ${id}`);
}
