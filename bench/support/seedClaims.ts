import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPoeChecker } from '../../poe/precheck/checker.js';
import { samplePoePdf } from '../../scripts/start.js';
import { systemClock } from '../../services/clock.js';
import type { Alert, ClaimDocument } from '../../services/model.js';
import { settled } from '../../services/claims/outbox.js';
import { createPolicy } from '../../services/policy.js';
import { factsDigest, precheckFactsOf } from '../../services/precheckFacts.js';
import { FileBlobStore } from '../../storage/files/fileBlobStore.js';
import { claimAt, createHarness, m365Details, type Harness } from '../../test/support/serviceHarness.js';

// Claims for the turn benchmark, in the DATA_DIR the product will open. One claim is taken to
// InReview through the claim service itself (create, PoE, submit, start review: four durable
// writes), with the real clock, so its deadlines, timers, history and alerts are what the service
// writes. The other claims are copies of that document under new ids and customer tenants, written
// in the store's layout (DATA_DIR/claims/<id>.json): taking thousands of claims through the service
// one write at a time would take minutes. Their alerts are marked sent, as they would be long
// after they were recorded, so the delivery worker starts with nothing to do. The claim's PoE
// file is stored and read by the real pre-check engine before it is copied, and each copy keeps
// that report with its own facts' digest: a claim in review has a checked file, so the product's
// pre-check finds nothing to do (rather than a file missing in every copy).

export interface SeededClaims {
  /** Every seeded claim, InReview, version as the service left it. */
  ids: string[];
  version: number;
}

const WRITE_CONCURRENCY = 64;

export interface SeedOptions {
  /** User ids of partners (of the claims' organisation) the copies are created by, in turn; default: all by the template's creator. */
  creators?: readonly string[];
}

export async function seedInReviewClaims(dataDir: string, count: number, options: SeedOptions = {}): Promise<SeededClaims> {
  const harness = await createHarness({ dataDir, start: new Date() });
  const template = await claimAt(harness, 'InReview', m365Details());
  await precheckPoe(harness, template.id);
  await harness.repository.close();
  const { maxDateAgeMonths } = createPolicy({}).poe;

  const claimsDir = join(dataDir, 'claims');
  await mkdir(claimsDir, { recursive: true });
  const templateText = await readFile(join(claimsDir, `${template.id}.json`), 'utf8');
  const templateDocument = JSON.parse(templateText) as ClaimDocument;
  const customerTenant = templateDocument.claim.details.customerTenantId ?? '';
  const [, year = '2026', first = '1'] = template.id.split('-');
  const firstSequence = Number(first);

  const ids = [template.id];
  for (let index = 1; index < count; index += 1) ids.push(`CPOR-${year}-${String(firstSequence + index).padStart(6, '0')}`);

  const documentText = (id: string, index: number): string => {
    const tenant = `${customerTenant.slice(0, 24)}${String(index).padStart(12, '0')}`;
    let text = templateText.split(template.id).join(id).split(customerTenant).join(tenant);
    const creator = options.creators?.[index % options.creators.length];
    if (creator) text = text.split(templateDocument.claim.createdBy).join(creator);
    const document = JSON.parse(text) as ClaimDocument;
    const digest = factsDigest(precheckFactsOf(document.claim, maxDateAgeMonths));
    for (const file of document.claim.poe) if (file.precheck) file.precheck.factsDigest = digest;
    document.outbox = document.outbox.map(sentLongAgo);
    return JSON.stringify(document);
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const index = next;
      next += 1;
      await writeFile(join(claimsDir, `${ids[index]}.json`), documentText(ids[index]!, index));
    }
  };
  await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker));
  await writeFile(join(dataDir, 'sequence.json'), JSON.stringify({ [year]: firstSequence + count - 1 }));
  return { ids, version: templateDocument.claim.version };
}

/** An alert as the outbox keeps it once delivered (delivered when it was recorded). */
export function sentLongAgo(alert: Alert): Alert {
  return settled({ ...alert, state: 'sent', attempts: 1, sentAt: alert.createdAt });
}

/** Stores the claim's PoE bytes and records the engine's report on each file, as the product's runner would. */
export async function precheckPoe(harness: Harness, claimId: string): Promise<void> {
  const checker = createPoeChecker({ clock: systemClock, ocr: 'off' });
  try {
    const work = await harness.service.precheckWork(claimId, checker.version);
    for (const file of work?.files ?? []) {
      const bytes = samplePoePdf(new Date().toISOString().slice(0, 10));
      await new FileBlobStore(harness.dataDir).put(file.storagePath, bytes);
      const report = await checker.check({ name: file.name, contentType: file.contentType, bytes }, work!.facts);
      await harness.service.recordPrecheck(claimId, file.id, report, work!.factsDigest);
    }
  } finally {
    await checker.close();
  }
}
