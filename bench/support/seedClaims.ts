import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClaimDocument } from '../../services/model.js';
import { claimAt, createHarness, m365Details } from '../../test/support/serviceHarness.js';

// Claims for the turn benchmark, in the DATA_DIR the product will open. One claim is taken to
// InReview through the claim service itself (create, PoE, submit, start review: four durable
// writes), with the real clock, so its deadlines, timers, history and alerts are what the service
// writes. The other claims are copies of that document under new ids and customer tenants, written
// in the store's layout (DATA_DIR/claims/<id>.json): taking thousands of claims through the service
// one write at a time would take minutes. Their alerts are marked sent, as they would be long
// after they were recorded, so the delivery worker starts with nothing to do.

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
  await harness.repository.close();

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
    for (const alert of document.outbox) {
      alert.state = 'sent';
      alert.attempts = 1;
      alert.sentAt = alert.createdAt;
    }
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
  return { ids, version: template.version };
}
