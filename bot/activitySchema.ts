import { z } from 'zod';

// The shape an activity must have before botbuilder sees it. botbuilder itself takes almost
// anything (a message without `conversation` fails later in a TypeError, one without a
// `serviceUrl` makes it call a public default host), so the edge refuses malformed ones with a
// short reason and no outbound call. Only the verdict is used: botbuilder gets the body as it came,
// so the objects are checked without copying the fields they do not list (many, in Teams' own).

const id = z.string().trim().min(1).max(512);
const account = z.object({ id, name: z.string().max(512).optional(), aadObjectId: z.string().max(128).optional() });

const ActivitySchema = z.object({
  type: z.string().trim().min(1).max(64),
  id: z.string().max(512).optional(),
  channelId: z.string().trim().min(1).max(64),
  serviceUrl: z.url({ protocol: /^https?$/ }).max(2048),
  from: account,
  recipient: account,
  conversation: z.object({ id, tenantId: z.string().max(128).optional(), conversationType: z.string().max(64).optional() }),
  channelData: z.object({ tenant: z.object({ id: z.string().max(128) }).optional() }).optional(),
  text: z.string().max(100_000).optional(),
  locale: z.string().max(64).optional(),
  attachments: z
    .array(z.object({ contentType: z.string().max(256) }))
    .max(100)
    .optional(),
  // Mentions are entities: a message may name many people; the body limit bounds them anyway.
  entities: z
    .array(z.object({ type: z.string().max(128).optional() }))
    .max(1000)
    .optional(),
  membersAdded: z.array(account).optional(),
  membersRemoved: z.array(account).optional(),
  name: z.string().max(256).optional(),
});

// A Universal Action: botbuilder answers 501 when `value` is not this shape.
const CardActionSchema = z.object({
  action: z.object({ type: z.string().min(1).max(64), verb: z.string().max(128).optional(), data: z.unknown().optional() }),
  trigger: z.enum(['manual', 'automatic']).optional(),
});

export interface ActivityRules {
  /** Production: only Teams, only activities that name their tenant, only https service URLs. */
  teamsOnly: boolean;
}

export type ActivityCheck = { ok: true } | { ok: false; reason: string };

/** Checks a parsed request body; the reason names the first offending field. */
export function checkActivity(body: unknown, rules: ActivityRules): ActivityCheck {
  const parsed = ActivitySchema.safeParse(body, { reportInput: true });
  if (!parsed.success) return refuse(parsed.error);
  const activity = parsed.data;
  if (activity.type === 'invoke') {
    if (!activity.name) return { ok: false, reason: 'name: required for an invoke' };
    if (activity.name === 'adaptiveCard/action') {
      const value = CardActionSchema.safeParse((body as { value?: unknown }).value, { reportInput: true });
      if (!value.success) return refuse(value.error, 'value');
    }
  }
  if (rules.teamsOnly) {
    if (activity.channelId !== 'msteams') return { ok: false, reason: 'channelId: only msteams is served' };
    if (!activity.conversation.tenantId && !activity.channelData?.tenant?.id) return { ok: false, reason: 'tenant: required' };
    if (!activity.serviceUrl.startsWith('https:')) return { ok: false, reason: 'serviceUrl: https required' };
  }
  return { ok: true };
}

function refuse(error: z.ZodError, prefix?: string): ActivityCheck {
  const issue = error.issues[0]!;
  const path = [...(prefix ? [prefix] : []), ...issue.path.map(String)].join('.') || 'activity';
  return { ok: false, reason: `${path}: ${issue.input === undefined ? 'required' : 'invalid'}` };
}
