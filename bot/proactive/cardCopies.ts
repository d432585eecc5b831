import { CardFactory, type TurnContext } from 'botbuilder';
import { z } from 'zod';
import { alertNowKey } from '../../cards/alertCard.js';
import type { AdaptiveCard } from '../../cards/template.js';
import { SUPPORTED_LOCALES } from '../../cards/i18n/i18n.js';
import type { Clock } from '../../services/clock.js';
import { AlertSchema, type Alert, type Claim } from '../../services/model.js';
import { updateDocument, type CollectionDefinition, type DocumentCollection, type DocumentStore } from '../../services/store/documentStore.js';
import { backoffMs, classifyConnectorError } from './connectorErrors.js';
import type { ConversationLanes, LaneVerdict, SendWithinLimits } from './conversationLanes.js';
import { conversationReferenceOf, type ConversationReferenceStore } from './conversationReferences.js';
import { prepareProactiveClient } from './proactiveClient.js';
import { continueConversation, type ProactiveAdapter } from './proactiveTurn.js';
import type { Recipient } from './recipients.js';
import type { ClickedCard } from './clickedCard.js';
import { afterGatherMs, type GatherSchedule } from './gather.js';

// Every card already posted that shows a claim, kept current when the claim changes:
// - a claim card (sent in reply to `claim <id>`, or by the review queue) is replaced by the
//   claim's current view for its reader, so a stale Approve button can never act twice;
// - an alert keeps its message and, once the claim has moved on, gains one "Now: <status>" line
//   (a consent notice shows whether Opt out is still open); it is not touched otherwise.
// Updates go through the same per-conversation lanes as the alerts, so Teams' limits count both.
// One update per copy is queued at a time: changes arriving while it waits are folded into it,
// since it renders the claim as it is when its turn comes. The card a person just clicked is
// left alone: the invoke response already gave them the new card. A change's copies are read
// GATHER_MS after it, with those of the changes committed meanwhile: one read for a burst.
// One document per claim (collection `proactive/card-copies`: in the files engine the folder and
// file names the previous version wrote, whose files are read as they are). A card sent is
// appended to its claim's list, never read and rewritten with it: a claim asked for again and
// again gains a copy per reply, and each costs one short write, however long the list.

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
  /** Copies recorded before alerts were told apart are claim cards. */
  kind: z.enum(['claim', 'alert']).default('claim'),
  alert: AlertSchema.optional(),
  /** For an alert: what it says of the claim now (alertNowKey) as last posted. */
  shown: z.string().optional(),
  /** For a claim card: the version of the claim it was posted with (copies recorded before it have none). */
  claimVersion: z.number().int().optional(),
});
export type CardCopy = z.infer<typeof CopySchema>;
const CopiesSchema = z.array(CopySchema);

const COPIES: CollectionDefinition<CardCopy[]> = { name: 'proactive/card-copies', schema: CopiesSchema };

/** Copies kept per claim; the oldest are forgotten (and stay as they were) beyond this. */
const MAX_COPIES_PER_CLAIM = 50;
/** Failed attempts (5xx, timeouts) before one update is given up; the next change tries again. */
const MAX_UPDATE_ATTEMPTS = 5;

export interface CopyRenderers {
  /** The claim card for the copy's reader; `context` is the proactive turn (to look the reader up). */
  claimCard(claim: Claim, recipient: Recipient, context: TurnContext): Promise<AdaptiveCard>;
  /** The alert as posted, with the claim as it is now. */
  alertCard(alert: Alert, now: Claim, recipient: Recipient): AdaptiveCard;
}

export interface CardCopiesOptions {
  documents: DocumentStore;
  adapter: ProactiveAdapter;
  appId: string;
  references: ConversationReferenceStore;
  lanes: ConversationLanes;
  /** The claim as stored now (no access check: the copies' readers were checked when sent). */
  latestClaim: (claimId: string) => Promise<Claim | undefined>;
  render: CopyRenderers;
  clock: Clock;
  settings: { requestTimeoutMs: number; backoffBaseMs: number; backoffMaxMs: number };
  random?: () => number;
  /** When a change's copies are read: GATHER_MS later by default. */
  gather?: GatherSchedule;
  log?: (message: string, error?: unknown) => void;
}

/** A claim's latest change here, and the card clicked to make it (which the invoke answered). */
interface Change {
  claim: Claim;
  clicked: ClickedCard | undefined;
}

/** Changes waiting for others to join them, and the read of their copies once they have. */
interface GatheredChanges {
  changes: Map<string, Change>;
  schedule: { cancel(): void };
  start(): void;
  queued: Promise<void>;
}

export interface UpdateStats {
  updated: number;
  failed: number;
  forgotten: number;
  coalesced: number;
}

export class CardCopies {
  /** Copies with an update waiting in their lane (not started yet), by copy id. */
  private readonly queued = new Set<string>();
  private readonly stats: UpdateStats = { updated: 0, failed: 0, forgotten: 0, coalesced: 0 };
  private gathering: GatheredChanges | undefined;
  /** Gathered reads started and not finished, for stop() to wait for. */
  private readonly reading = new Set<Promise<void>>();
  private stopped = false;

  private constructor(
    private readonly options: CardCopiesOptions,
    private readonly copies: DocumentCollection<CardCopy[]>,
  ) {}

  static async open(options: CardCopiesOptions): Promise<CardCopies> {
    return new CardCopies(options, await options.documents.collection(COPIES));
  }

  /** Remembers a claim card sent in reply to someone. */
  async recordClaimCard(claim: Claim, activityId: string, recipient: Recipient): Promise<void> {
    const copy = await this.record(claim.id, { kind: 'claim', conversationKey: recipient.conversationKey, activityId, recipient, claimVersion: claim.version });
    // The claim may have changed while the card was on its way: that change saw no copy to update.
    const latest = await this.options.latestClaim(claim.id);
    // queue() leaves it alone unless the claim is past the version it was posted with.
    if (latest) this.queue(latest, copy);
  }

  /** Remembers an alert the outbox posted; `postedWith`: the claim the posted card was rendered with. */
  async recordAlert(alert: Alert, activityId: string, recipient: Recipient, postedWith?: Claim): Promise<void> {
    const copy = await this.record(alert.claimId, {
      kind: 'alert',
      alert,
      shown: alertNowKey(alert, postedWith ? { claim: postedWith, at: this.options.clock.now() } : undefined),
      conversationKey: recipient.conversationKey,
      activityId,
      recipient,
    });
    // The claim may have moved on while the alert was being posted: that change saw no copy.
    // A card that already shows where the claim is now is not updated.
    const latest = await this.options.latestClaim(alert.claimId);
    if (latest) this.queue(latest, copy);
  }

  /**
   * The claim changed: queue an update of each posted copy that shows something else now, except
   * the card that was clicked to make the change. Returns once the updates are queued, after the
   * changes gathered with it: of one claim's, the latest counts (its clicked card is the one
   * already current).
   */
  claimChanged(claim: Claim, clicked?: ClickedCard): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const gathering = this.gathering ?? this.gather();
    const earlier = gathering.changes.get(claim.id);
    if (!earlier || earlier.claim.version <= claim.version) gathering.changes.set(claim.id, { claim, clicked });
    return gathering.queued;
  }

  /** Drops the changes still gathering and waits for the reads under way; updates already queued are the lanes' to stop. */
  async stop(): Promise<void> {
    this.stopped = true;
    const gathering = this.gathering;
    this.gathering = undefined;
    if (gathering) {
      gathering.schedule.cancel();
      gathering.changes.clear();
      gathering.start();
    }
    await Promise.all([...this.reading].map((queued) => queued.catch(() => undefined)));
  }

  /** Starts gathering the changes that follow: they are read together once the schedule starts them. */
  private gather(): GatheredChanges {
    let start!: () => void;
    const started = new Promise<void>((resolve) => (start = resolve));
    const changes = new Map<string, Change>();
    const queued = started.then(() => this.queueChanges([...changes.values()]));
    const gathering: GatheredChanges = { changes, start, queued, schedule: { cancel: () => undefined } };
    this.gathering = gathering;
    this.reading.add(queued);
    const settled = () => this.reading.delete(queued);
    queued.then(settled, settled);
    gathering.schedule = (this.options.gather ?? afterGatherMs)(() => {
      // Changes from now on gather for the next read.
      if (this.gathering === gathering) this.gathering = undefined;
      start();
    });
    return gathering;
  }

  /** Reads the changed claims' copies together (one statement on PostgreSQL) and queues their updates. */
  private async queueChanges(changes: readonly Change[]): Promise<void> {
    const copies = await Promise.all(changes.map(({ claim }) => this.read(claim.id)));
    for (const [index, { claim, clicked }] of changes.entries()) {
      for (const copy of copies[index]!) {
        if (clicked && sameMessage(copy, clicked)) continue;
        this.queue(claim, copy);
      }
    }
  }

  /** Queues one copy's update unless it already shows what the claim says now. */
  private queue(claim: Claim, copy: CardCopy): void {
    // Posted with this version or a later one: a change read after the card went out (its copies are read GATHER_MS later).
    if (copy.kind === 'claim' && copy.claimVersion !== undefined && copy.claimVersion >= claim.version) return;
    if (copy.kind === 'alert' && copy.alert && alertNowKey(copy.alert, { claim, at: this.options.clock.now() }) === (copy.shown ?? alertNowKey(copy.alert)))
      return;
    const id = copyId(copy);
    if (this.queued.has(id)) {
      this.stats.coalesced += 1;
      return;
    }
    this.queued.add(id);
    let attempts = 0;
    this.options.lanes.enqueue(copy.conversationKey, {
      run: async (send) => {
        this.queued.delete(id);
        const verdict = await this.update(claim.id, copy, attempts + 1, send);
        if (verdict.kind === 'retry') {
          attempts += 1;
          // Queued again: later changes fold into this attempt.
          this.queued.add(id);
        }
        return verdict;
      },
    });
  }

  health(): UpdateStats & { queued: number } {
    return { ...this.stats, queued: this.queued.size };
  }

  // ---- one update -------------------------------------------------------------------------

  private async update(claimId: string, queuedCopy: CardCopy, attempt: number, send: SendWithinLimits): Promise<LaneVerdict> {
    const { log } = this.options;
    const copy = (await this.read(claimId)).find((candidate) => sameMessage(candidate, queuedCopy));
    const claim = await this.options.latestClaim(claimId);
    if (!copy || !claim) return { kind: 'done' };
    const shown = copy.kind === 'alert' && copy.alert ? alertNowKey(copy.alert, { claim, at: this.options.clock.now() }) : undefined;
    if (shown !== undefined && shown === (copy.shown ?? alertNowKey(copy.alert!))) return { kind: 'done' };
    const stored = await this.options.references.get(copy.conversationKey);
    if (!stored || stored.dead) {
      await this.forget(claimId, copy);
      return { kind: 'done' };
    }
    let unrenderable = false;
    const outcome = await send(async () => {
      try {
        await continueConversation(this.options.adapter, this.options.appId, conversationReferenceOf(stored), async (context) => {
          prepareProactiveClient(context, this.options.settings.requestTimeoutMs);
          let card: AdaptiveCard;
          try {
            card =
              copy.kind === 'alert' && copy.alert
                ? this.options.render.alertCard(copy.alert, claim, copy.recipient)
                : await this.options.render.claimCard(claim, copy.recipient, context);
          } catch (error) {
            log?.(`could not render the card of ${claimId} for ${copy.conversationKey}`, error);
            unrenderable = true;
            return;
          }
          await context.updateActivity({
            type: 'message',
            id: copy.activityId,
            conversation: context.activity.conversation,
            attachments: [CardFactory.adaptiveCard(card)],
          });
        });
        return { ok: true as const };
      } catch (error) {
        return { ok: false as const, error };
      }
    });
    // The lanes stopped before a slot was free: nothing was sent.
    if (!outcome) return { kind: 'retry', afterMs: 0 };
    if (!outcome.ok) {
      const failure = classifyConnectorError(outcome.error, this.options.clock.now().getTime());
      if (failure.kind === 'conversation-gone' || failure.kind === 'rejected') {
        // The message or the chat is gone: nothing left to keep current.
        log?.(`a card of ${claimId} in ${copy.conversationKey} is gone, no longer kept current: ${failure.detail}`);
        if (failure.kind === 'conversation-gone' && failure.code !== 'ConversationNotFound') {
          await this.options.references.markDead(copy.conversationKey, failure.code);
        }
        await this.forget(claimId, copy);
        return { kind: 'done' };
      }
      // Throttling and passing faults are retried in the lane; only giving up is worth a log line.
      if (attempt >= MAX_UPDATE_ATTEMPTS) {
        log?.(`could not update a card of ${claimId} in ${copy.conversationKey} after ${attempt} attempts: ${failure.detail}`);
        this.stats.failed += 1;
        return { kind: 'done' };
      }
      if (failure.kind === 'throttled' && failure.retryAfterMs !== undefined) return { kind: 'retry', afterMs: failure.retryAfterMs };
      const { backoffBaseMs, backoffMaxMs } = this.options.settings;
      return { kind: 'retry', afterMs: backoffMs(attempt, backoffBaseMs, backoffMaxMs, this.options.random ?? Math.random) };
    }
    if (unrenderable) {
      this.stats.failed += 1;
      return { kind: 'done' };
    }
    this.stats.updated += 1;
    if (shown !== undefined) await this.markShown(claimId, copy, shown);
    return { kind: 'done' };
  }

  // ---- the documents ---------------------------------------------------------------------

  private async record(claimId: string, copy: Omit<CardCopy, 'recordedAt'>): Promise<CardCopy> {
    const recorded: CardCopy = { ...copy, recordedAt: this.options.clock.now().toISOString() };
    await this.copies.append(claimId, [recorded], MAX_COPIES_PER_CLAIM);
    return recorded;
  }

  private async forget(claimId: string, copy: CardCopy): Promise<void> {
    this.stats.forgotten += 1;
    await this.change(claimId, (copies) => copies.filter((existing) => !sameMessage(existing, copy)));
  }

  private async markShown(claimId: string, copy: CardCopy, shown: string): Promise<void> {
    await this.change(claimId, (copies) => copies.map((existing) => (sameMessage(existing, copy) ? { ...existing, shown } : existing)));
  }

  /** Read, change, write, conditional on what was read: another instance may record a copy meanwhile. */
  private async change(claimId: string, edit: (copies: CardCopy[]) => CardCopy[]): Promise<void> {
    await updateDocument(this.copies, claimId, (current) => ({ value: edit(latestOfEachMessage(current?.value ?? [])) }));
  }

  private async read(claimId: string): Promise<CardCopy[]> {
    return latestOfEachMessage((await this.copies.get(claimId))?.value ?? []);
  }
}

/** A message recorded twice (its post retried, say) is one copy: the later record. */
function latestOfEachMessage(copies: readonly CardCopy[]): CardCopy[] {
  const seen = new Set<string>();
  const latest: CardCopy[] = [];
  for (let index = copies.length - 1; index >= 0; index -= 1) {
    const copy = copies[index]!;
    const id = copyId(copy);
    if (seen.has(id)) continue;
    seen.add(id);
    latest.push(copy);
  }
  return latest.reverse();
}

function copyId(copy: Pick<CardCopy, 'conversationKey' | 'activityId'>): string {
  return `${copy.conversationKey}\u0000${copy.activityId}`;
}

/** Whether two copies are the same posted message (asked of every copy of a claim on each change). */
function sameMessage(a: Pick<CardCopy, 'conversationKey' | 'activityId'>, b: Pick<CardCopy, 'conversationKey' | 'activityId'>): boolean {
  return a.activityId === b.activityId && a.conversationKey === b.conversationKey;
}
