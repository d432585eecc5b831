import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { ROLES, type Role } from '../services/actor.js';
import { loadDirectoryConfig } from '../services/directory/directoryConfig.js';
import { userLabel } from '../services/directory/roster.js';
import { addOrganisation, operatorGrant, operatorRevoke, RosterOperatorError, type OperatorContext } from '../services/directory/rosterOperator.js';
import { RosterStore } from '../services/directory/rosterStore.js';
import { systemClock } from '../services/clock.js';
import { loadConfig } from '../bot/config.js';
import { openRosterStorage } from '../storage/openStorage.js';

// The operator's tool for the roster: the file DATA_DIR/roster.jsonl (or ROSTER_FILE), or with
// STORE=postgres the database's, where every running instance hears the change at once:
//   npx tsx scripts/roster.ts add-organisation --tenant <guid> --name "Contoso Partners" --partner-ids 4512345,4512346
//   npx tsx scripts/roster.ts grant  --tenant <guid> (--user <aad object id> | --email <address>) --role incentives-admin [--name "Ana"]
//   npx tsx scripts/roster.ts revoke --tenant <guid> (--user <id> | --email <address>) --role incentives-admin
//   npx tsx scripts/roster.ts list [--tenant <guid>]
//   npx tsx scripts/roster.ts check
// Every change is written durably and audited (source "cli", by cli:<os user>).

const USAGE = `usage: npx tsx scripts/roster.ts <command> [options]
  add-organisation --tenant <guid> --name <name> --partner-ids <id>[,<id>...]
  grant   --tenant <guid> (--user <aad object id> | --email <address>) --role <role> [--name <display name>]
  revoke  --tenant <guid> (--user <aad object id> | --email <address>) --role <role>
  list    [--tenant <guid>]
  check   validate the roster file
roles: ${ROLES.join(', ')}
The file is DATA_DIR/roster.jsonl (DATA_DIR defaults to ./data) unless ROSTER_FILE is set;
with STORE=postgres and DATABASE_URL, the database's roster.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      tenant: { type: 'string' },
      name: { type: 'string' },
      'partner-ids': { type: 'string' },
      user: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string' },
    },
    strict: true,
  });
  const botConfig = loadConfig();
  const config = loadDirectoryConfig();
  const storage = await openRosterStorage(
    {
      engine: botConfig.STORE,
      rosterFile: config.rosterFile,
      auditFile: config.auditFile,
      ...(botConfig.DATABASE_URL ? { databaseUrl: botConfig.DATABASE_URL } : {}),
    },
    { clock: systemClock },
  );
  try {
    return await run(command, values, new RosterStore({ storage, cacheTtlMs: 0, clock: systemClock }));
  } finally {
    await storage.close();
  }
}

type Options = { tenant?: string; name?: string; 'partner-ids'?: string; user?: string; email?: string; role?: string };

async function run(command: string | undefined, values: Options, store: RosterStore): Promise<number> {
  const context: OperatorContext = { by: `cli:${userInfo().username}`, source: 'cli' };
  const required = (name: keyof typeof values): string => {
    const value = values[name];
    if (!value) throw new RosterOperatorError(`--${name} is required`);
    return value;
  };
  const role = (): Role => {
    const value = required('role');
    if (!(ROLES as readonly string[]).includes(value)) throw new RosterOperatorError(`--role must be one of ${ROLES.join(', ')}`);
    return value as Role;
  };
  const who = () => {
    if (!values.user && !values.email) throw new RosterOperatorError('--user or --email is required');
    return { tenantId: required('tenant'), userId: values.user, email: values.email, displayName: values.name };
  };

  switch (command) {
    case 'add-organisation': {
      const changed = await addOrganisation(
        store,
        {
          tenantId: required('tenant'),
          name: required('name'),
          partnerIds: required('partner-ids')
            .split(',')
            .map((id) => id.trim()),
        },
        context,
      );
      console.log(changed ? 'organisation saved' : 'organisation already as given; nothing changed');
      return 0;
    }
    case 'grant': {
      const changed = await operatorGrant(store, who(), role(), context);
      console.log(changed ? 'role granted' : 'the user already has that role; nothing changed');
      return 0;
    }
    case 'revoke': {
      const changed = await operatorRevoke(store, who(), role(), context);
      console.log(changed ? 'role revoked' : 'the user does not have that role; nothing changed');
      return 0;
    }
    case 'list': {
      const roster = await store.load();
      const tenant = values.tenant?.toLowerCase();
      for (const organisation of roster.organisations.filter((entry) => !tenant || entry.tenantId.toLowerCase() === tenant)) {
        console.log(`${organisation.name}  tenant ${organisation.tenantId}  PartnerIDs ${organisation.partnerIds.join(', ')}`);
      }
      for (const user of roster.users.filter((entry) => !tenant || entry.tenantId.toLowerCase() === tenant)) {
        console.log(`  ${user.displayName ?? userLabel(user)}  ${userLabel(user)}  tenant ${user.tenantId}  ${user.roles.join(', ')}`);
      }
      return 0;
    }
    case 'check': {
      const roster = await store.load();
      console.log(`${store.location}: ${roster.organisations.length} organisations, ${roster.users.length} users; valid`);
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Operator mistakes (and a malformed roster, which names its line) are one line, not a stack.
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
