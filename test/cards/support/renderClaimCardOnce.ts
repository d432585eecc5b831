import { readFileSync } from 'node:fs';
import { renderClaimCard } from '../../../cards/index.js';
import { translatorFor } from '../../../cards/i18n/i18n.js';
import type { Action } from '../../../services/lifecycle.js';
import type { Claim } from '../../../services/model.js';
import type { ClaimCardRequest } from './claimCardRequest.js';

// One claim card rendered by a process that has rendered nothing before: no template, words,
// formatter or written instant is cached yet. Reads a ClaimCardRequest on stdin, writes the card.

const request = JSON.parse(readFileSync(0, 'utf8')) as ClaimCardRequest & { claim: Claim };
const card = renderClaimCard(
  request.claim,
  {
    userId: request.userId,
    teamsUserId: `29:${request.userId}`,
    role: request.role,
    translator: translatorFor(request.locale),
    timeZone: request.timeZone,
    now: new Date(request.now),
  },
  {
    allowed: new Set(request.allowed as Action[]),
    refreshUserIds: [`29:${request.userId}`],
    ...(request.note ? { note: request.note } : {}),
    ...(request.poeLinks ? { poeLinks: request.poeLinks } : {}),
  },
);
process.stdout.write(JSON.stringify(card));
