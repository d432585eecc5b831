import type { TurnContext } from 'botbuilder';
import { SUPPORTED_LOCALES, Translator } from '../cards/i18n/i18n.js';
import { closest, fold } from './textMatch.js';

// Text commands. Every verb has aliases in every language, and any language's alias works for
// anyone: a Spanish speaker with an English Teams client can still type "nueva notificación".

export const VERBS = [
  'new-claim',
  'my-claims',
  'claim',
  'edit',
  'respond',
  'comment',
  'withdraw',
  'dispute',
  'history',
  'queue',
  'help',
  'cancel',
  'back',
  'grant',
  'revoke',
  'roles',
  'reviewer-channel',
  'opt-out',
  'reassign',
  'away',
] as const;
export type Verb = (typeof VERBS)[number];

export interface ParsedCommand {
  verb: Verb;
  claimId?: string;
  /** What followed the verb (and the claim id), as typed. */
  rest: string;
}

const CLAIM_ID = /\bCPOR-\d{4}-\d{6,}\b/i;

interface Alias {
  text: string;
  folded: string;
  verb: Verb;
  locale: string;
}

const ALIASES: Alias[] = SUPPORTED_LOCALES.flatMap((locale) => {
  const translator = new Translator(locale);
  return VERBS.flatMap((verb) =>
    translator
      .t(`commands.aliases.${verb}`)
      .split('|')
      .map((alias) => ({ text: alias, folded: fold(alias), verb, locale })),
  );
}).sort((a, b) => b.folded.length - a.folded.length);

/** Removes the `<at>Bot</at>` mention Teams puts in channel messages. */
export function withoutMentions(text: string): string {
  return text
    .replace(/<at>[^<]*<\/at>/gi, ' ')
    .replace(/&nbsp;/g, ' ')
    .trim();
}

const PARSED = Symbol('parsed command');

/**
 * The command typed this turn, parsed once: the bot routes on it and the active dialog's step
 * reads the same answer. Set the activity's text (a button's command) before the first call.
 */
export function commandOf(context: TurnContext): ParsedCommand | undefined {
  const cached = context.turnState.get(PARSED) as { command: ParsedCommand | undefined } | undefined;
  if (cached) return cached.command;
  const command = parseCommand(context.activity.text);
  context.turnState.set(PARSED, { command });
  return command;
}

export function parseCommand(text: string | undefined): ParsedCommand | undefined {
  if (!text) return undefined;
  const typed = withoutMentions(text);
  const folded = fold(typed);
  const alias = ALIASES.find((candidate) => folded === candidate.folded || folded.startsWith(`${candidate.folded} `));
  if (!alias) return undefined;
  // Folding keeps one character per typed character except collapsed spaces; re-split the words.
  const words = typed.replace(/\s+/g, ' ').trim().split(' ');
  let rest = words.slice(alias.folded.split(' ').length).join(' ');
  let claimId: string | undefined;
  const match = CLAIM_ID.exec(rest);
  if (match && rest.trimStart().toUpperCase().startsWith(match[0].toUpperCase())) {
    claimId = match[0].toUpperCase();
    rest = rest.trimStart().slice(match[0].length).trim();
  }
  return { verb: alias.verb, rest, ...(claimId ? { claimId } : {}) };
}

const QUESTION_WORDS = new Set(SUPPORTED_LOCALES.flatMap((locale) => new Translator(locale).t('commands.questionWords').split('|').map(fold)));

/**
 * A question in people's words ("what is the status of CPOR-2026-000123?", "where is my claim")
 * as the command that answers it: a claim id anywhere shows that claim; a status word the list.
 */
export function questionCommand(text: string | undefined): ParsedCommand | undefined {
  if (!text) return undefined;
  const typed = withoutMentions(text);
  const match = CLAIM_ID.exec(typed);
  if (match) return { verb: 'claim', claimId: match[0].toUpperCase(), rest: '' };
  const words = fold(typed).split(/[^\p{L}\p{N}-]+/u);
  return words.some((word) => QUESTION_WORDS.has(word)) ? { verb: 'my-claims', rest: '' } : undefined;
}

/**
 * The command a mistyped message was probably meant to be ("my claism CPOR-…" → "my claims
 * CPOR-…"), the reader's own words first; only a near miss of the command words counts.
 */
export function suggestCommand(text: string | undefined, locale: string): string | undefined {
  const words = withoutMentions(text ?? '')
    .replace(/\s+/g, ' ')
    .split(' ')
    .filter(Boolean);
  for (const own of [true, false]) {
    for (let count = Math.min(3, words.length); count >= 1; count -= 1) {
      const candidates = ALIASES.filter((alias) => alias.folded.split(' ').length === count && (alias.locale === locale) === own);
      const near = closest(
        words.slice(0, count).join(' '),
        candidates.map((alias) => alias.text),
      );
      if (near) return [near, ...words.slice(count)].join(' ');
    }
  }
  return undefined;
}
