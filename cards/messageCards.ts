import type { Role } from '../services/actor.js';
import { isPartnerRole } from '../services/actor.js';
import { translatorFor } from './i18n/i18n.js';
import { commandText, commandData, type CommandData, type CommandVerb } from './format.js';
import { CardTemplate, type AdaptiveCard } from './template.js';
import type { Viewer } from './viewer.js';

// Plain messages, errors, and the welcome and help cards, which list what the reader's roles let
// them do with the text commands in their own language (the English alias beside it, since any
// language's alias works) and buttons that send the commands that need no claim id.

export interface MessageCardData {
  title: string;
  text: string;
}

export interface ErrorCardData {
  title: string;
  message: string;
  labels: { help: string };
  commands: { help: CommandData };
}

export interface HelpCardData {
  title: string;
  intro: string;
  footer: string;
  sections: { heading: string; text: string; commands: { command: string; description: string }[] }[];
  buttons: { title: string; command: CommandData }[];
}

const english = translatorFor('en');
const messageTemplate = new CardTemplate<MessageCardData>('message');
const errorTemplate = new CardTemplate<ErrorCardData>('error');
const helpTemplate = new CardTemplate<HelpCardData>('help');

/** An example id in the help text: ids are the same in every language. */
const EXAMPLE_CLAIM_ID = 'CPOR-2026-000123';

const PARTNER_COMMANDS: readonly CommandVerb[] = ['new-claim', 'my-claims', 'claim', 'edit', 'respond', 'comment', 'withdraw', 'dispute', 'history'];
const REVIEWER_COMMANDS: readonly CommandVerb[] = ['queue', 'claim', 'reassign', 'comment', 'history', 'away', 'reviewer-channel'];
const GENERAL_COMMANDS: readonly CommandVerb[] = ['help', 'cancel'];
const ADMIN_COMMANDS: readonly CommandVerb[] = ['grant', 'revoke', 'roles'];
/** Who manages roles by chat (bot/adminCommands.ts; the roster decides in the end). */
const ADMIN_ROLES = new Set<Role>(['incentives-admin', 'global-admin']);
const TAKES_CLAIM_ID = new Set<CommandVerb>(['claim', 'edit', 'respond', 'comment', 'withdraw', 'dispute', 'history', 'reassign']);

export function renderMessage(title: string, text: string): AdaptiveCard {
  return messageTemplate.expand({ title, text });
}

export function renderError(message: string, viewer: Viewer): AdaptiveCard {
  const { translator: t } = viewer;
  return errorTemplate.expand({
    title: t.t('cards.error.title'),
    message,
    labels: { help: t.t('cards.action.help') },
    commands: { help: commandData(commandText(viewer, 'help')) },
  });
}

export function renderWelcome(viewer: Viewer, roles: readonly Role[]): AdaptiveCard {
  return renderHelpCard(viewer, roles, 'welcome');
}

export function renderHelp(viewer: Viewer, roles: readonly Role[]): AdaptiveCard {
  return renderHelpCard(viewer, roles, 'help');
}

function renderHelpCard(viewer: Viewer, roles: readonly Role[], kind: 'welcome' | 'help'): AdaptiveCard {
  const { translator: t } = viewer;
  const partner = roles.some(isPartnerRole);
  const reviewer = roles.includes('reviewer');
  const sections: HelpCardData['sections'] = [];
  if (partner)
    sections.push({ heading: t.t('cards.help.partnerHeading'), text: t.t('cards.help.partnerText'), commands: commandsOf(viewer, PARTNER_COMMANDS) });
  if (reviewer)
    sections.push({ heading: t.t('cards.help.reviewerHeading'), text: t.t('cards.help.reviewerText'), commands: commandsOf(viewer, REVIEWER_COMMANDS) });
  if (roles.some((role) => ADMIN_ROLES.has(role))) {
    sections.push({ heading: t.t('cards.help.adminHeading'), text: t.t('cards.help.adminText'), commands: commandsOf(viewer, ADMIN_COMMANDS) });
  }
  // The customer's section is for people with no partner or reviewer role.
  if (!partner && !reviewer) {
    sections.push({ heading: t.t('cards.help.customerHeading'), text: t.t('cards.help.customerText'), commands: commandsOf(viewer, ['opt-out']) });
  }
  sections.push({ heading: t.t('cards.help.generalHeading'), text: '', commands: commandsOf(viewer, GENERAL_COMMANDS) });
  const buttons: HelpCardData['buttons'] = [];
  const button = (verb: CommandVerb) => buttons.push({ title: t.t(`cards.help.button.${verb}`), command: commandData(commandText(viewer, verb)) });
  if (partner) {
    button('new-claim');
    button('my-claims');
  }
  if (reviewer) button('queue');
  if (kind === 'welcome') button('help');
  const intro = partner || reviewer ? t.t(`cards.help.${kind}Intro`) : t.t(`cards.help.${kind}IntroNoRole`);
  return helpTemplate.expand({
    title: t.t(`cards.help.${kind}Title`),
    intro,
    footer: t.t('cards.help.footer'),
    sections,
    buttons,
  });
}

function commandsOf(viewer: Viewer, verbs: readonly CommandVerb[]): HelpCardData['sections'][number]['commands'] {
  const { translator: t } = viewer;
  return verbs.map((verb) => {
    const own = commandText(viewer, verb, TAKES_CLAIM_ID.has(verb) ? EXAMPLE_CLAIM_ID : undefined);
    const ownAlias = commandText(viewer, verb);
    const englishOne = englishAlias(verb);
    return {
      command: englishOne !== ownAlias ? `${own} (${englishOne})` : own,
      description: t.t(`cards.help.command.${verb}`),
    };
  });
}

/** The English alias, which works for everyone (bot/commands.ts matches every language's). */
function englishAlias(verb: CommandVerb): string {
  return english.t(`commands.aliases.${verb}`).split('|')[0]!.trim();
}
