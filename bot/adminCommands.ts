import type { TurnContext } from 'botbuilder';
import type { Actor } from '../services/actor.js';
import type { RosterAdministration } from '../services/directory/rosterAdministration.js';
import type { ParsedCommand } from '../dialogs/commands.js';
import type { AdminCommands } from './claimsBot.js';
import type { UserContext } from '../dialogs/userContext.js';
import { literal } from '../cards/markdown.js';

// Partner admins grant and revoke roles by chat: `grant <email> <role>`, `revoke <email> <role>`,
// `roles`. The roster administration decides who may; this only reads the words and answers.

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export class RosterChatCommands implements AdminCommands {
  constructor(private readonly administration: RosterAdministration) {}

  async handle(context: TurnContext, actor: Actor, user: UserContext, command: ParsedCommand): Promise<void> {
    const { translator } = user;
    if (command.verb === 'roles') {
      const listing = await this.administration.list(actor);
      const lines = listing.users.map((member) => `- ${literal(member.displayName ?? member.email ?? member.userId ?? '?')}: ${member.roles.join(', ')}`);
      await context.sendActivity([translator.t('admin.listing', { organisation: literal(listing.organisation.name) }), ...lines].join('\n'));
      return;
    }
    const [who, role] = command.rest.split(/\s+/);
    if (!who || !role) {
      await context.sendActivity(translator.t('admin.usage'));
      return;
    }
    const target = EMAIL.test(who) ? { email: who } : { userId: who };
    const result = command.verb === 'grant' ? await this.administration.grant(actor, target, role) : await this.administration.revoke(actor, target, role);
    const key = `admin.${command.verb === 'grant' ? 'granted' : 'revoked'}${result.changed ? '' : 'Unchanged'}`;
    await context.sendActivity(translator.t(key, { who: literal(who), role: result.role }));
  }
}
