import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Actor } from '../../services/actor.js';
import { systemClock } from '../../services/clock.js';
import type { ClaimDocument } from '../../services/model.js';
import { ConversationReferenceStore } from '../../bot/proactive/conversationReferences.js';
import { FileDocumentStore } from '../../storage/files/fileDocumentStore.js';
import { claimAt, createHarness, m365Details, partner, reviewer } from '../../test/support/serviceHarness.js';
import { benchPartner, benchReviewer } from './benchActors.js';
import { sentLongAgo } from './seedClaims.js';

// An outbox backlog for the drain benchmark, in the DATA_DIR the product will open: `alerts`
// pending alerts of InReview claims, each addressed to one person's personal chat, spread over
// `partners` partner users (the claims' creators) and `reviewers` reviewers (their assignees).
//
// One claim is taken through the claim service itself (create, PoE, submit, start review, then
// handed to another reviewer), so its alerts are what the service records: `submission-receipt`
// and `review-started` for the creator, `claim-assigned` for the assignee, and `claim-submitted`
// for the reviewers. The others are copies of its document under new ids, customer tenants,
// alert ids, creators and assignees, written in the store's layout (as seedClaims.ts does); the
// product validates each one when it opens the store. The `claim-submitted` broadcast is marked
// sent: it goes to the reviewer channel (or every reviewer's chat), whose own limit of 60 per
// 30 s, not the app's rate, would decide how fast a backlog of broadcasts drains.
//
// Every person has talked to the bot before: their personal chat is recorded by the product's
// own ConversationReferenceStore from a Teams-shaped message activity, with the stand-in
// connector's URL as the service URL.

export interface SeededOutbox {
  alerts: number;
  claims: number;
  /** Conversations the alerts are addressed to. */
  conversations: number;
}

export interface SeedOutboxOptions {
  alerts: number;
  partners: number;
  reviewers: number;
  /** The stand-in connector: the service URL every recorded chat is reached at. */
  serviceUrl: string;
  /** Builds the message activity a person's chat is recorded from. */
  activityOf: (user: Actor, conversationId: string) => Record<string, unknown>;
}

const WRITE_CONCURRENCY = 64;
const TEMPLATE_PARTNER = 'seed-template-partner';
const TEMPLATE_ASSIGNEE = 'seed-template-assignee';

export function drainConversationId(user: Actor): string {
  return `a:bench-drain-${user.userId}`;
}

export async function seedOutbox(dataDir: string, options: SeedOutboxOptions): Promise<SeededOutbox> {
  const harness = await createHarness({ dataDir, start: new Date() });
  const creator = partner('incentives-admin', TEMPLATE_PARTNER);
  let template = await claimAt(harness, 'InReview', m365Details(), creator);
  template = await harness.service.reassign(reviewer(), template.id, template.version, {
    assignee: { userId: TEMPLATE_ASSIGNEE, tenantId: benchReviewer(0).tenantId, roles: ['reviewer'] },
  });
  await harness.repository.close();

  const claimsDir = join(dataDir, 'claims');
  await mkdir(claimsDir, { recursive: true });
  const templateText = await readFile(join(claimsDir, `${template.id}.json`), 'utf8');
  const templateDocument = JSON.parse(templateText) as ClaimDocument;
  const perClaim = templateDocument.outbox.filter((alert) => alert.to === 'partner' || alert.to === 'reviewer').length;
  const claims = Math.ceil(options.alerts / perClaim);
  const customerTenant = templateDocument.claim.details.customerTenantId ?? '';
  const [, year = '2026', first = '1'] = template.id.split('-');
  const firstSequence = Number(first);
  const ids = Array.from({ length: claims }, (_, index) => `CPOR-${year}-${String(firstSequence + index).padStart(6, '0')}`);

  let pendingLeft = options.alerts;
  const documentText = (index: number): string => {
    const id = ids[index]!;
    const tenant = `${customerTenant.slice(0, 24)}${String(index).padStart(12, '0')}`;
    const text = templateText
      .split(template.id)
      .join(id)
      .split(customerTenant)
      .join(tenant)
      .split(TEMPLATE_PARTNER)
      .join(benchPartner(index % options.partners).userId)
      .split(TEMPLATE_ASSIGNEE)
      .join(benchReviewer(index % options.reviewers).userId);
    const document = JSON.parse(text) as ClaimDocument;
    document.outbox = document.outbox.map((recorded, position) => {
      // Alert ids are the delivery worker's keys: each copy gets its own.
      const alert = { ...recorded, id: `${recorded.id.slice(0, 24)}${String(index * 10 + position).padStart(12, '0')}` };
      const personal = alert.to === 'partner' || alert.to === 'reviewer';
      if (personal && pendingLeft > 0) {
        pendingLeft -= 1;
        return alert;
      }
      return sentLongAgo(alert);
    });
    return JSON.stringify(document);
  };
  // Documents are made in order (the pending count runs down), then written concurrently.
  const texts = ids.map((_, index) => documentText(index));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const index = next;
      next += 1;
      await writeFile(join(claimsDir, `${ids[index]}.json`), texts[index]!);
    }
  };
  await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker));
  await writeFile(join(dataDir, 'sequence.json'), JSON.stringify({ [year]: firstSequence + claims - 1 }));

  // Everyone's personal chat, as the product records it from their messages.
  const references = await ConversationReferenceStore.open(new FileDocumentStore({ dataDir, clock: systemClock }), { clock: systemClock });
  const people = [
    ...Array.from({ length: options.partners }, (_, slot) => benchPartner(slot)),
    ...Array.from({ length: options.reviewers }, (_, slot) => benchReviewer(slot)),
  ];
  for (const person of people) {
    const activity = { ...options.activityOf(person, drainConversationId(person)), serviceUrl: options.serviceUrl };
    await references.recordActivity(activity, person);
  }
  return { alerts: options.alerts - pendingLeft, claims, conversations: people.length };
}
