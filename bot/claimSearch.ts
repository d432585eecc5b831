import { CardFactory, type MessagingExtensionQuery, type MessagingExtensionResponse, type TurnContext } from 'botbuilder';
import { z } from 'zod';
import { renderSharedClaim, searchPreviewOf, type Viewer } from '../cards/index.js';
import { describeError } from '../cards/i18n/errorMessages.js';
import { relationOf } from '../services/access.js';
import type { ClaimService } from '../services/claimService.js';
import type { Clock } from '../services/clock.js';
import { DomainError, isDomainError } from '../services/errors.js';
import { userContextOf, type UserContext } from '../dialogs/userContext.js';
import { identityOf, type ActorResolver } from './actorResolver.js';

// The search message extension: from the compose box, find a claim by id, customer or partner
// and share it. The result a person picks is posted as a card that names the claim only; each
// reader's own view comes from the card's refresh (cards/sharedClaimCard.ts, bot/cardActions.ts).

export const SEARCH_COMMAND_ID = 'searchClaims';
/** The query parameter's name in the manifest. */
const QUERY_PARAMETER = 'query';
/** Teams asks for 25 at most; a page further than this is not a search any more. */
const MAX_RESULTS = 25;
const MAX_SKIP = 100;

const QuerySchema = z.object({
  commandId: z.string().max(64),
  parameters: z
    .array(z.object({ name: z.string().max(64), value: z.unknown() }))
    .max(10)
    .optional(),
  queryOptions: z.object({ skip: z.number().int().nonnegative().optional(), count: z.number().int().positive().optional() }).optional(),
});

export interface ClaimSearchDependencies {
  claims: ClaimService;
  clock: Clock;
  actors: ActorResolver;
  defaultLocale: string;
  log?: (message: string, error?: unknown) => void;
}

export class ClaimSearchExtension {
  constructor(private readonly deps: ClaimSearchDependencies) {}

  async query(context: TurnContext, query: MessagingExtensionQuery): Promise<MessagingExtensionResponse> {
    const user = userContextOf(context.activity, this.deps.defaultLocale);
    const parsed = QuerySchema.safeParse(query);
    if (!parsed.success || parsed.data.commandId !== SEARCH_COMMAND_ID) {
      return message(describeError(user.translator, new DomainError('validation', { issues: [{ field: 'query', problem: 'invalid' }] })));
    }
    const identity = identityOf(context.activity);
    if (!identity) return message(user.translator.t('bot.noIdentity'));
    try {
      const actor = await this.deps.actors.resolve(identity, context);
      const skip = Math.min(parsed.data.queryOptions?.skip ?? 0, MAX_SKIP);
      const count = Math.min(parsed.data.queryOptions?.count ?? 10, MAX_RESULTS);
      const found = (await this.deps.claims.search(actor, textOf(parsed.data.parameters), { limit: skip + count })).slice(skip);
      const now = this.deps.clock.now();
      return {
        composeExtension: {
          type: 'result',
          attachmentLayout: 'list',
          attachments: found.map((claim) => {
            const viewer: Viewer = {
              userId: actor.userId,
              teamsUserId: identity.teamsUserId,
              role: relationOf(actor, claim),
              translator: user.translator,
              timeZone: user.timeZone,
              now,
            };
            const preview = searchPreviewOf(claim, viewer);
            return {
              ...CardFactory.adaptiveCard(renderSharedClaim(claim.id, user.translator)),
              preview: CardFactory.thumbnailCard(preview.title, preview.text),
            };
          }),
        },
      };
    } catch (error) {
      return this.refusal(user, error);
    }
  }

  private refusal(user: UserContext, error: unknown): MessagingExtensionResponse {
    if (isDomainError(error, 'not-allowed')) return message(user.translator.t('cards.search.notAllowed'));
    if (!isDomainError(error)) this.deps.log?.('claim search failed', error);
    return message(describeError(user.translator, error));
  }
}

/** The typed words; the first open of the extension (`initialRun`) has none and lists the latest. */
function textOf(parameters: ReadonlyArray<{ name: string; value: unknown }> | undefined): string {
  const value = parameters?.find((parameter) => parameter.name === QUERY_PARAMETER)?.value;
  return typeof value === 'string' ? value : '';
}

function message(text: string): MessagingExtensionResponse {
  return { composeExtension: { type: 'message', text } };
}
