// The shape an activity must have before botbuilder sees it. botbuilder itself takes almost
// anything (a message without `conversation` fails later in a TypeError, one without a
// `serviceUrl` makes it call a public default host), so the edge refuses malformed ones with a
// short reason and no outbound call. Only the verdict is used: botbuilder gets the body as it came.
//
// Written as plain rules rather than a zod schema, on purpose: the check runs on every request,
// and in the bot process zod's generic parse of an activity took about 140 µs (its code and the
// copies it builds are cold between requests), against about 10 µs for these rules. What the
// activity carries further in (card data, commands) is still parsed with zod where it is used.

/** Where a value breaks its rule, and whether it was there at all. */
interface Breach {
  path: string[];
  missing: boolean;
}

/** A rule answers undefined when the value keeps it. */
type Rule = (value: unknown) => Breach | undefined;

const broken = (value: unknown): Breach => ({ path: [], missing: value === undefined });

/** A string of `min` to `max` characters; with a `min`, counted with the outer spaces trimmed. */
function text(max: number, min = 0): Rule {
  return (value) => {
    if (typeof value !== 'string') return broken(value);
    const length = min > 0 ? value.trim().length : value.length;
    return length < min || length > max ? broken(value) : undefined;
  };
}

function optional(rule: Rule): Rule {
  return (value) => (value === undefined ? undefined : rule(value));
}

/** An object (not a list) whose listed fields keep their rules; other fields are not looked at. */
function object(fields: Record<string, Rule>): Rule {
  const entries = Object.entries(fields);
  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return broken(value);
    for (const [name, rule] of entries) {
      const breach = rule((value as Record<string, unknown>)[name]);
      if (breach) return { ...breach, path: [name, ...breach.path] };
    }
    return undefined;
  };
}

function list(item: Rule, max = Infinity): Rule {
  return (value) => {
    if (!Array.isArray(value) || value.length > max) return broken(value);
    for (let index = 0; index < value.length; index += 1) {
      const breach = item(value[index]);
      if (breach) return { ...breach, path: [String(index), ...breach.path] };
    }
    return undefined;
  };
}

/** An absolute http or https URL. */
function webAddress(max: number): Rule {
  return (value) => {
    if (typeof value !== 'string' || value.length > max) return broken(value);
    const protocol = URL.parse(value)?.protocol;
    return protocol === 'http:' || protocol === 'https:' ? undefined : broken(value);
  };
}

const id = text(512, 1);
const account = object({ id, name: optional(text(512)), aadObjectId: optional(text(128)) });

const activityRule = object({
  type: text(64, 1),
  id: optional(text(512)),
  channelId: text(64, 1),
  serviceUrl: webAddress(2048),
  from: account,
  recipient: account,
  conversation: object({ id, tenantId: optional(text(128)), conversationType: optional(text(64)) }),
  channelData: optional(object({ tenant: optional(object({ id: text(128) })) })),
  text: optional(text(100_000)),
  locale: optional(text(64)),
  attachments: optional(list(object({ contentType: text(256) }), 100)),
  // Mentions are entities: a message may name many people; the body limit bounds them anyway.
  entities: optional(list(object({ type: optional(text(128)) }), 1000)),
  membersAdded: optional(list(account)),
  membersRemoved: optional(list(account)),
  name: optional(text(256)),
});

// A Universal Action: botbuilder answers 501 when `value` is not this shape.
const cardActionRule = object({
  action: object({ type: text(64, 1), verb: optional(text(128)) }),
  trigger: optional((value) => (value === 'manual' || value === 'automatic' ? undefined : broken(value))),
});

/** The fields of an activity the rules above vouch for. */
interface CheckedActivity {
  type: string;
  channelId: string;
  serviceUrl: string;
  name?: string;
  value?: unknown;
  conversation: { tenantId?: string };
  channelData?: { tenant?: { id: string } };
}

export interface ActivityRules {
  /** Production: only Teams, only activities that name their tenant, only https service URLs. */
  teamsOnly: boolean;
}

export type ActivityCheck = { ok: true } | { ok: false; reason: string };

/** Checks a parsed request body; the reason names the first offending field. */
export function checkActivity(body: unknown, rules: ActivityRules): ActivityCheck {
  const breach = activityRule(body);
  if (breach) return refuse(breach);
  const activity = body as CheckedActivity;
  if (activity.type === 'invoke') {
    if (!activity.name) return { ok: false, reason: 'name: required for an invoke' };
    if (activity.name === 'adaptiveCard/action') {
      const valueBreach = cardActionRule(activity.value);
      if (valueBreach) return refuse(valueBreach, 'value');
    }
  }
  if (rules.teamsOnly) {
    if (activity.channelId !== 'msteams') return { ok: false, reason: 'channelId: only msteams is served' };
    if (!activity.conversation.tenantId && !activity.channelData?.tenant?.id) return { ok: false, reason: 'tenant: required' };
    if (!activity.serviceUrl.startsWith('https:')) return { ok: false, reason: 'serviceUrl: https required' };
  }
  return { ok: true };
}

function refuse(breach: Breach, prefix?: string): ActivityCheck {
  const path = [...(prefix ? [prefix] : []), ...breach.path].join('.') || 'activity';
  return { ok: false, reason: `${path}: ${breach.missing ? 'required' : 'invalid'}` };
}
