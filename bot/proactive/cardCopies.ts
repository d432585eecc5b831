import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CardFactory } from 'botbuilder';
import { z } from 'zod';
import { SUPPORTED_LOCALES } from '../../cards/i18n/i18n.js';
import type { Clock } from '../../services/clock.js';
import type { Claim } from '../../services/model.js';
import { writeFileDurably } from '../../services/store/durableJsonFile.js';
import { KeyedMutex } from '../../services/store/keyedMutex.js';
import { classifyConnectorError } from './connectorErrors.js';
import { disableSdkRetries } from './connectorRetries.js';
import { conversationReferenceOf, type ConversationReferenceStore } from './conversationReferences.js';
import type { ProactiveAdapter } from './outboxDelivery.js';
import type { ClaimCardRenderer, Recipient } from './recipients.js';

// Every card already posted that shows a claim (claim cards shown in chat, alert cards, reviewer
// channel posts), so that when the claim changes each is replaced in place (updateActivity) with
// the current card for its reader: a stale Approve button can never act twice. One file per
// claim under DATA_DIR/proactive/card-copies.

const RecipientSchema = z.object({
  conversationKey: z.string().min(1),
  role: z.enum(['partner', 'reviewer', 'customer']),
  userId: z.string().optional(),
  teamsUserId: z.string().optional(),
  locale: z.enum(SUPPORTED_LOCALES),
  timeZone: z.string(),
  channel: z.boolean(),
});

const CopySchema = z.object({
  conversationKey: z.string().min(1),
  activityId: z.string().min(1),
  recipient: RecipientSchema,
  recordedAt: z.string(),
});
export type CardCopy = z.infer<typeof CopySchema>;
const CopiesSchema = z.array(CopySchema);

/** Copies kept per claim; the oldest are forgotten (and stay as they were) beyond this. */
const MAX_COPIES_PER_CLAIM = 50;

export interface CardCopiesOptions {
  dataDir: string;
  adapter: ProactiveAdapter;
  appId: string;
  references: ConversationReferenceStore;
  renderClaimCard: ClaimCardRenderer;
  clock: Clock;
  log?: (message: string, error?: unknown) => void;
}

export interface UpdateReport {
  updated: number;
  failed: number;
  forgotten: number;
}

export class CardCopies {
  private readonly writes = new KeyedMutex();
  private readonly folder: string;

  private constructor(private readonly options: CardCopiesOptions) {
    this.folder = join(options.dataDir, 'proactive', 'card-copies');
  }

  static async open(options: CardCopiesOptions): Promise<CardCopies> {
    const copies = new CardCopies(options);
    await mkdir(copies.folder, { recursive: true });
    return copies;
  }

  /** Remembers one posted card of `claimId`. */
  async record(claimId: string, copy: Omit<CardCopy, 'recordedAt'>): Promise<void> {
    await this.writes.run(claimId, async () => {
      const copies = (await this.read(claimId)).filter(
        (existing) => !(existing.conversationKey === copy.conversationKey && existing.activityId === copy.activityId),
      );
      copies.push({ ...copy, recordedAt: this.options.clock.now().toISOString() });
      await this.write(claimId, copies.slice(-MAX_COPIES_PER_CLAIM));
    });
  }

  /** A claim card the bot sent in reply to a user (ConversationHooks.onCardSent). */
  async recordSent(claim: Claim, activityId: string | undefined, recipient: Recipient | undefined): Promise<void> {
    if (!activityId || !recipient) return;
    await this.record(claim.id, { conversationKey: recipient.conversationKey, activityId, recipient });
  }

  copiesOf(claimId: string): Promise<CardCopy[]> {
    return this.read(claimId);
  }

  /** Replaces every remembered card of the claim with its current rendering. */
  async updateClaimCards(claim: Claim): Promise<UpdateReport> {
    const report: UpdateReport = { updated: 0, failed: 0, forgotten: 0 };
    const copies = await this.read(claim.id);
    const keep: CardCopy[] = [];
    for (const copy of copies) {
      const stored = this.options.references.get(copy.conversationKey);
      if (!stored || stored.dead) {
        report.forgotten += 1;
        continue;
      }
      try {
        const card = this.options.renderClaimCard(claim, copy.recipient);
        await this.options.adapter.continueConversationAsync(this.options.appId, conversationReferenceOf(stored), async (context) => {
          disableSdkRetries(context);
          await context.updateActivity({
            type: 'message',
            id: copy.activityId,
            conversation: context.activity.conversation,
            attachments: [CardFactory.adaptiveCard(card)],
          });
        });
        report.updated += 1;
        keep.push(copy);
      } catch (error) {
        const failure = classifyConnectorError(error, this.options.clock.now().getTime());
        if (failure.kind === 'conversation-gone' || failure.kind === 'rejected') {
          // The message or the chat is gone: nothing left to keep current.
          report.forgotten += 1;
          if (failure.kind === 'conversation-gone' && failure.code !== 'ConversationNotFound') {
            await this.options.references.markDead(copy.conversationKey, failure.code);
          }
        } else {
          report.failed += 1;
          keep.push(copy);
        }
        this.options.log?.(`could not update a card of ${claim.id} in ${copy.conversationKey}: ${failure.detail}`);
      }
    }
    if (report.forgotten > 0) {
      await this.writes.run(claim.id, async () => {
        const current = await this.read(claim.id);
        const dropped = new Set(copies.filter((copy) => !keep.includes(copy)).map((copy) => `${copy.conversationKey}\u0000${copy.activityId}`));
        await this.write(claim.id, current.filter((copy) => !dropped.has(`${copy.conversationKey}\u0000${copy.activityId}`)));
      });
    }
    return report;
  }

  private fileOf(claimId: string): string {
    return join(this.folder, `${createHash('sha256').update(claimId).digest('hex').slice(0, 40)}.json`);
  }

  private async read(claimId: string): Promise<CardCopy[]> {
    try {
      return CopiesSchema.parse(JSON.parse(await readFile(this.fileOf(claimId), 'utf8')));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      this.options.log?.(`card copies of ${claimId} are unreadable; starting afresh`, error);
      return [];
    }
  }

  private async write(claimId: string, copies: CardCopy[]): Promise<void> {
    await writeFileDurably(this.fileOf(claimId), JSON.stringify(copies));
  }
}
