import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApp, type Log, type RunningApp } from '../bot/app.js';
import { ConfigurationError, loadConfig, warnIfUnauthenticated, type BotConfig } from '../bot/config.js';
import { DEFAULT_POE_HOSTS } from '../poe/poeFiles.js';

// `npm start`: the bot on its embedded defaults (DATA_DIR ./data, the roster file as directory)
// and, unless NODE_ENV=production or PLAYGROUND=0, the Microsoft 365 Agents Playground next to
// it: one playground per person of the demo, because a playground has one signed-in user and one
// tenant, and SPEC forbids a reviewer to decide their own organisation's claim:
//
//   partner  (port 56150)  Ana Partner, incentives-admin of Contoso Partners (demo tenant 1111...)
//   reviewer (port 56151)  Rita Reviewer, reviewer in the CPOR review tenant (2222...)
//   customer (port 56152)  Carlos Customer, of the customer Fabrikam (3333...): gets the consent notice
//
// Rita's colleague Megan Bowen is a reviewer too (no playground of her own): someone to hand a
// claim to (Reassign) and to stand in while Rita is away.
//
// The roster gets the partner organisation and both roles at start (BOOTSTRAP_ORGANISATIONS /
// BOOTSTRAP_ADMINS), and each playground its config file, from the constants below, so ids never
// drift. The playground cannot attach files, so a sample proof-of-execution file is served on
// 127.0.0.1 and DATA_DIR/playground/poe-activity.json is an activity to paste into the partner
// playground's "Mock an Activity > Custom activity". Ctrl-C stops the playgrounds and the bot.

// ---- the demo people ---------------------------------------------------------------------

export interface PlaygroundUser {
  id: string;
  name: string;
  userPrincipleName: string;
  aadObjectId: string;
  givenName: string;
  surname: string;
  email: string;
}

export type DemoRole = 'partner' | 'reviewer' | 'customer';

export interface DemoPerson {
  role: DemoRole;
  tenantId: string;
  /** The playground's signed-in user (its `currentUser`). */
  user: PlaygroundUser;
  /** The playground wants exactly five more users in the tenant (group chat and team members). */
  colleagues: PlaygroundUser[];
  personalChatId: string;
  defaultPort: number;
}

export const DEMO_BOT = { id: '28:0c9035de-0000-4000-8000-00000000c905', name: 'CPOR Claims Assistant' } as const;

export const DEMO_ORGANISATION = {
  tenantId: '11111111-1111-4111-8111-111111111111',
  name: 'Contoso Partners (demo)',
  partnerIds: ['4512345'],
} as const;
export const DEMO_REVIEW_TENANT = '22222222-2222-4222-8222-222222222222';
export const DEMO_CUSTOMER = { tenantId: '33333333-3333-4333-8333-333333333333', domain: 'fabrikam.onmicrosoft.com' } as const;

function user(id: string, given: string, surname: string, domain: string, objectId: string): PlaygroundUser {
  const email = `${given.toLowerCase()}@${domain}`;
  return { id, name: `${given} ${surname}`, userPrincipleName: email, aadObjectId: objectId, givenName: given, surname, email };
}

function colleagues(prefix: string, domain: string, tenantDigit: string): PlaygroundUser[] {
  const people: Array<[string, string]> = [
    ['Megan', 'Bowen'],
    ['Adele', 'Vance'],
    ['Isaiah', 'Langer'],
    ['Patti', 'Fernandez'],
    ['Lynne', 'Robbins'],
  ];
  return people.map(([given, surname], index) =>
    user(`29:${prefix}-${given.toLowerCase()}`, given, surname, domain, `${tenantDigit.repeat(8)}-0000-4000-8000-0000000000${String(index + 11)}`),
  );
}

export const DEMO_PEOPLE: Record<DemoRole, DemoPerson> = {
  partner: {
    role: 'partner',
    tenantId: DEMO_ORGANISATION.tenantId,
    user: user('29:contoso-ana', 'Ana', 'Partner', 'contoso.example', 'a1a1a1a1-0000-4000-8000-000000000001'),
    colleagues: colleagues('contoso', 'contoso.example', '1'),
    personalChatId: 'a:personal-chat-ana-partner',
    defaultPort: 56150,
  },
  reviewer: {
    role: 'reviewer',
    tenantId: DEMO_REVIEW_TENANT,
    user: user('29:review-rita', 'Rita', 'Reviewer', 'cpor-review.example', 'b2b2b2b2-0000-4000-8000-000000000002'),
    // The first is the second reviewer (DEMO_SECOND_REVIEWER). She never writes to the bot, so it
    // opens her chat by her AAD id (`8:orgid:<id>`, as Teams allows); the playground finds users
    // only by the id in its config, so that is her id there.
    colleagues: colleagues('review', 'cpor-review.example', '2').map((colleague, index) =>
      index === 0 ? { ...colleague, id: `8:orgid:${colleague.aadObjectId}` } : colleague,
    ),
    personalChatId: 'a:personal-chat-rita-reviewer',
    defaultPort: 56151,
  },
  customer: {
    role: 'customer',
    tenantId: DEMO_CUSTOMER.tenantId,
    user: user('29:fabrikam-carlos', 'Carlos', 'Customer', 'fabrikam.example', 'c3c3c3c3-0000-4000-8000-000000000003'),
    colleagues: colleagues('fabrikam', 'fabrikam.example', '3'),
    personalChatId: 'a:personal-chat-carlos-customer',
    defaultPort: 56152,
  },
};

export const DEMO_ROLES: readonly DemoRole[] = ['partner', 'reviewer', 'customer'];

/**
 * A second reviewer: Rita's colleague Megan (a user of the review tenant in Rita's playground),
 * so that Reassign and the away card's delegate have someone to offer. She has no playground of
 * her own; what the bot sends her goes to a personal chat the playground opens for her.
 */
export const DEMO_SECOND_REVIEWER: PlaygroundUser = DEMO_PEOPLE.reviewer.colleagues[0]!;

/** BOOTSTRAP_ORGANISATIONS / BOOTSTRAP_ADMINS entries that give the demo people their roles. */
export function demoBootstrap(): { BOOTSTRAP_ORGANISATIONS: string; BOOTSTRAP_ADMINS: string } {
  const { partner, reviewer } = DEMO_PEOPLE;
  const grant = (tenantId: string, person: PlaygroundUser, role: string) => `${tenantId}:${person.aadObjectId}:${role}:${person.name}`;
  return {
    BOOTSTRAP_ORGANISATIONS: `${DEMO_ORGANISATION.tenantId}:${DEMO_ORGANISATION.partnerIds.join('+')}:${DEMO_ORGANISATION.name}`,
    BOOTSTRAP_ADMINS: [
      grant(partner.tenantId, partner.user, 'incentives-admin'),
      grant(reviewer.tenantId, reviewer.user, 'reviewer'),
      grant(reviewer.tenantId, DEMO_SECOND_REVIEWER, 'reviewer'),
    ].join(','),
  };
}

/** Adds the demo entries to whatever bootstrap the environment already names. */
function withDemoBootstrap(environment: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const demo = demoBootstrap();
  const join = (mine: string, theirs: string | undefined, separator: string) => (theirs?.trim() ? `${theirs}${separator}${mine}` : mine);
  return {
    ...environment,
    BOOTSTRAP_ORGANISATIONS: join(demo.BOOTSTRAP_ORGANISATIONS, environment.BOOTSTRAP_ORGANISATIONS, ';'),
    BOOTSTRAP_ADMINS: join(demo.BOOTSTRAP_ADMINS, environment.BOOTSTRAP_ADMINS, ','),
  };
}

// ---- playground config files -------------------------------------------------------------

/** A YAML double-quoted scalar: JSON string syntax is valid YAML. */
const q = (value: string) => JSON.stringify(value);

function userYaml(person: PlaygroundUser, indent: string, first: string): string[] {
  return [
    `${first}id: ${q(person.id)}`,
    `${indent}name: ${q(person.name)}`,
    `${indent}userPrincipleName: ${q(person.userPrincipleName)}`,
    `${indent}aadObjectId: ${q(person.aadObjectId)}`,
    `${indent}givenName: ${q(person.givenName)}`,
    `${indent}surname: ${q(person.surname)}`,
    `${indent}email: ${q(person.email)}`,
  ];
}

/** The `.m365agentsplayground.yml` (schema 0.1.1) for one person of the demo. */
export function playgroundConfigYaml(person: DemoPerson): string {
  const teamName = { partner: 'Contoso Partners', reviewer: 'CPOR Review', customer: 'Fabrikam' }[person.role];
  return [
    '# Microsoft 365 Agents Playground: who is signed in, the tenant, the chats and the team.',
    `# The ${person.role} of the CPOR Claims Assistant demo, written by scripts/start.ts from DEMO_PEOPLE`,
    '# (the ids match the roster it bootstraps). Schema: https://aka.ms/teams-app-test-tool-config/0.1.1/config.schema.json',
    'version: "0.1.1"',
    `tenantId: ${q(person.tenantId)}`,
    'bot:',
    `  id: ${q(DEMO_BOT.id)}`,
    `  name: ${q(DEMO_BOT.name)}`,
    'currentUser:',
    ...userYaml(person.user, '  ', '  '),
    'users:',
    ...person.colleagues.flatMap((colleague) => userYaml(colleague, '    ', '  - ')),
    'personalChat:',
    `  id: ${q(person.personalChatId)}`,
    'groupChat:',
    `  id: ${q(`19:group-chat-${person.role}@thread.v2`)}`,
    `  name: ${q(`${teamName} chat`)}`,
    'team:',
    `  id: ${q(`19:team-${person.role}@thread.tacv2`)}`,
    `  name: ${q(teamName)}`,
    `  aadGroupId: ${q(`${person.tenantId.slice(0, 8)}-0000-4000-8000-0000000000a1`)}`,
    '  channels:',
    `    - id: ${q(`19:channel-${person.role}-claims@thread.tacv2`)}`,
    `      name: ${q(person.role === 'reviewer' ? 'Reviews' : 'Claims')}`,
    '',
  ].join('\n');
}

// ---- the playground processes ------------------------------------------------------------

export interface PlaygroundProcess {
  role: DemoRole;
  port: number;
  url: string;
  /** Where the bot's replies to this playground go (its mocked connector). */
  serviceUrl: string;
  child: ChildProcess;
  /** Everything the process printed, for diagnostics. */
  output(): string;
  stop(): Promise<void>;
}

export interface PlaygroundOptions {
  person: DemoPerson;
  /** The bot's messaging endpoint, e.g. http://127.0.0.1:3978/api/messages. */
  endpoint: string;
  /** Folder for the config file, the working directory and the log. */
  folder: string;
  port: number;
  startTimeoutMs?: number;
}

export function playgroundCli(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@microsoft/m365agentsplayground/package.json')), 'cli.js');
}

/**
 * Starts `agentsplayground -e <endpoint> -c msteams -p <port>` in `folder` with the person's
 * config file there, and waits (bounded) for "Listening on <port>". The playground falls back to
 * a random port when the asked one is taken, so the port it reports is the one used.
 */
export async function startPlayground(options: PlaygroundOptions): Promise<PlaygroundProcess> {
  const { person, folder } = options;
  await mkdir(folder, { recursive: true });
  const configPath = join(folder, '.m365agentsplayground.yml');
  await writeFile(configPath, playgroundConfigYaml(person));
  const child = spawn(process.execPath, [playgroundCli(), '-e', options.endpoint, '-c', 'msteams', '-p', String(options.port), '--disable-telemetry'], {
    cwd: folder,
    env: {
      ...process.env,
      TEAMSAPPTESTER_BROWSER: 'none',
      M365_AGENTS_PLAYGROUND_CONFIG_PATH: configPath,
      M365_AGENTS_PLAYGROUND_LOGFILE: join(folder, 'playground.log'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => (output += chunk));
  child.stderr?.on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));

  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => finish(new Error(`the ${person.role} playground did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = () => {
      const match = /Listening on (\d+)/.exec(output);
      if (match) finish(undefined, Number(match[1]));
    };
    const onExit = (code: number | null) => finish(new Error(`the ${person.role} playground exited (${code}) before it listened:\n${output}`));
    function finish(error?: Error, value?: number) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (error) {
        child.kill('SIGTERM');
        reject(error);
      } else resolvePort(value!);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });

  let stopping: Promise<void> | undefined;
  return {
    role: person.role,
    port,
    url: `http://localhost:${port}`,
    serviceUrl: `http://localhost:${port}/_connector`,
    child,
    output: () => output,
    stop: () => {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const killed = await Promise.race([exited.then(() => true), delay(5_000).then(() => false)]);
        if (!killed) {
          child.kill('SIGKILL');
          await exited;
        }
      })();
      return stopping;
    },
  };
}

// ---- the sample proof of execution -------------------------------------------------------

/**
 * A one-page PDF: what a partner would attach as proof of execution, written to pass the
 * pre-check for the journey's claim (partner, customer, Teams, the work, a date, the signature).
 * Dated `day` (YYYY-MM-DD), so it is never too old for a claim filed today.
 */
export function samplePoePdf(day: string): Buffer {
  const lines = [
    `Statement of work: ${DEMO_ORGANISATION.name}, PartnerID ${DEMO_ORGANISATION.partnerIds[0]}`,
    `Customer: Fabrikam, ${DEMO_CUSTOMER.domain}`,
    `${DEMO_ORGANISATION.name} deployed and configured Microsoft Teams for Fabrikam.`,
    `Date: ${day}`,
    'Accepted and signed by the customer: Dana Fabrikam, IT Director',
  ];
  // PDF literal strings: backslash and parentheses are escaped; 18 points between lines.
  const shown = lines.map((line) => `(${line.replace(/[\\()]/g, (character) => `\\${character}`)}) Tj T*`).join(' ');
  const stream = `BT /F1 12 Tf 18 TL 72 720 Td ${shown} ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(body.length);
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  body += offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

export const SAMPLE_POE_NAME = 'Fabrikam acknowledgement.pdf';

export interface SamplePoeServer {
  /** The file's address (http on 127.0.0.1). */
  url: string;
  stop(): Promise<void>;
}

/** Serves the sample PDF on 127.0.0.1, standing in for the SharePoint link Teams would send. */
export async function startSamplePoeServer(day: string, port = 0): Promise<SamplePoeServer> {
  const pdf = samplePoePdf(day);
  const server: Server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/sample-poe.pdf') {
      response.writeHead(200, { 'content-type': 'application/pdf', 'content-length': pdf.length });
      response.end(pdf);
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((done, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => done());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/sample-poe.pdf`,
    stop: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/**
 * The message Teams sends when a user attaches a file in the 1:1 chat, from `person` in their
 * playground: paste it into "Mock an Activity > Custom activity" and press "Send activity".
 */
export function poeActivity(person: DemoPerson, playground: Pick<PlaygroundProcess, 'serviceUrl'>, fileUrl: string, locale = 'en-US'): object {
  return {
    type: 'message',
    channelId: 'msteams',
    serviceUrl: playground.serviceUrl,
    locale,
    recipient: { id: DEMO_BOT.id, name: DEMO_BOT.name },
    conversation: { id: person.personalChatId, conversationType: 'personal', tenantId: person.tenantId },
    from: { id: person.user.id, name: person.user.name, aadObjectId: person.user.aadObjectId },
    channelData: { tenant: { id: person.tenantId } },
    text: '',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.teams.file.download.info',
        name: SAMPLE_POE_NAME,
        contentUrl: fileUrl,
        content: { downloadUrl: fileUrl, uniqueId: 'b1f2c3d4-0000-4000-8000-00000000f11e', fileType: 'pdf' },
      },
    ],
  };
}

// ---- the demo: bot and playgrounds -------------------------------------------------------

export interface DemoOptions {
  config: BotConfig;
  environment?: NodeJS.ProcessEnv;
  /** Start the playgrounds (and the demo roster). */
  playground: boolean;
  /** The playgrounds' ports (default 56150, 56151, 56152). */
  playgroundPorts?: Record<DemoRole, number>;
  /** Where the playgrounds send activities (default: the bot). Tests put a proxy here. */
  endpoint?: (bot: RunningApp) => Promise<string> | string;
  log?: Log;
  startTimeoutMs?: number;
}

export interface RunningDemo {
  app: RunningApp;
  playgrounds: Partial<Record<DemoRole, PlaygroundProcess>>;
  poe?: SamplePoeServer;
  /** The activity a partner pastes to attach the sample PoE file (written next to the configs). */
  poeActivityFile?: string;
  stop(): Promise<void>;
}

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const { config } = options;
  const environment = options.playground ? withDemoBootstrap(options.environment ?? process.env) : (options.environment ?? process.env);
  const poe = options.playground ? await startSamplePoeServer(new Date().toISOString().slice(0, 10)) : undefined;
  const started: Array<{ stop(): Promise<void> }> = poe ? [poe] : [];
  const stopAll = async () => {
    // Playgrounds first (they hold connections to the bot), then the bot, then the file server.
    for (const part of [...started].reverse()) await part.stop().catch(() => undefined);
  };
  let app: RunningApp;
  try {
    app = await startApp({
      config,
      environment,
      ...(options.log ? { log: options.log } : {}),
      // The sample PoE file is served over plain http on this machine; nothing else changes.
      ...(poe ? { poeDownload: { allowedHosts: [...(config.CPOR_POE_HOSTS ?? DEFAULT_POE_HOSTS), '127.0.0.1'], allowHttp: true } } : {}),
    });
  } catch (error) {
    await stopAll();
    throw error;
  }
  started.push(app);
  const playgrounds: RunningDemo['playgrounds'] = {};
  let poeActivityFile: string | undefined;
  if (options.playground) {
    try {
      const endpoint = (await options.endpoint?.(app)) ?? `http://127.0.0.1:${app.port}/api/messages`;
      for (const role of DEMO_ROLES) {
        const playground = await startPlayground({
          person: DEMO_PEOPLE[role],
          endpoint,
          folder: join(config.dataDir, 'playground', role),
          port: options.playgroundPorts?.[role] ?? DEMO_PEOPLE[role].defaultPort,
          ...(options.startTimeoutMs ? { startTimeoutMs: options.startTimeoutMs } : {}),
        });
        playgrounds[role] = playground;
        // Stopped before the bot (stopAll walks `started` backwards).
        started.push(playground);
      }
      poeActivityFile = join(config.dataDir, 'playground', 'poe-activity.json');
      await writeFile(poeActivityFile, `${JSON.stringify(poeActivity(DEMO_PEOPLE.partner, playgrounds.partner!, poe!.url), null, 2)}\n`);
    } catch (error) {
      await stopAll();
      throw error;
    }
  }
  let stopping: Promise<void> | undefined;
  return {
    app,
    playgrounds,
    ...(poe ? { poe } : {}),
    ...(poeActivityFile ? { poeActivityFile } : {}),
    stop: () => (stopping ??= stopAll()),
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms).unref());
}

// ---- npm start ---------------------------------------------------------------------------

/** PLAYGROUND_PORT moves the partner's playground; the reviewer's and the customer's follow it. */
export function playgroundPorts(environment: NodeJS.ProcessEnv): Record<DemoRole, number> {
  const setting = environment.PLAYGROUND_PORT?.trim();
  const base = setting ? Number(setting) : DEMO_PEOPLE.partner.defaultPort;
  if (!Number.isInteger(base) || base < 1 || base > 65533) {
    throw new ConfigurationError('Playground', [`PLAYGROUND_PORT="${setting}": a port number (the next two are used too)`]);
  }
  return { partner: base, reviewer: base + 1, customer: base + 2 };
}

export function playgroundWanted(environment: NodeJS.ProcessEnv): boolean {
  return environment.NODE_ENV !== 'production' && environment.PLAYGROUND !== '0';
}

function banner(demo: RunningDemo, config: BotConfig): string {
  const { partner, reviewer, customer } = demo.playgrounds;
  if (!partner || !reviewer || !customer) return '';
  return [
    '',
    'Microsoft 365 Agents Playground (a local Teams chat; one browser tab per person):',
    `  partner   ${partner.url}   Ana Partner, incentives admin of ${DEMO_ORGANISATION.name} (PartnerID ${DEMO_ORGANISATION.partnerIds[0]})`,
    `  reviewer  ${reviewer.url}   Rita Reviewer, CPOR reviewer (another tenant: reviewers never decide their own organisation's claims)`,
    `  customer  ${customer.url}   Carlos Customer, of ${DEMO_CUSTOMER.domain}: receives the consent notice`,
    '',
    'Try it: as Ana type "new claim"; customer domain ' + `${DEMO_CUSTOMER.domain}, tenant ${DEMO_CUSTOMER.tenantId}.`,
    '  At "proof of execution", attach the sample file: Mock an Activity > Custom activity, replace the',
    `  text with the contents of ${demo.poeActivityFile ?? '?'}, Send activity; then "done" and Submit.`,
    '  As Rita, open the claim from the alert (or type "queue"), Start review, Approve.',
    `  Rita may hand a claim to ${DEMO_SECOND_REVIEWER.name} (Reassign on its card) or name her in "away".`,
    "  Carlos's chat then shows the consent notice.",
    `Data: ${config.dataDir}. Ctrl-C stops everything.`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  let config: BotConfig;
  let ports: Record<DemoRole, number>;
  try {
    config = loadConfig();
    ports = playgroundPorts(process.env);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  warnIfUnauthenticated(config);
  const playground = playgroundWanted(process.env);
  const demo = await startDemo({ config, playground, playgroundPorts: ports });
  console.log(`CPOR Claims Assistant listening on ${demo.app.listening}/api/messages (data in ${config.dataDir})`);
  if (playground) console.log(banner(demo, config));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const what = playground ? 'stopping the playgrounds, finishing the turns in flight' : 'finishing the turns in flight';
    console.log(`${signal}: ${what}, then stopping`);
    await demo.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // Whatever ends this process, no playground is left behind.
  process.on('exit', () => {
    for (const child of Object.values(demo.playgrounds)) if (child.child.exitCode === null) child.child.kill('SIGTERM');
  });
  for (const running of Object.values(demo.playgrounds)) {
    running.child.once('exit', (code, signal) => {
      if (!stopping) console.error(`the ${running.role} playground stopped (${signal ?? code}); the bot keeps running\n${running.output().slice(-2000)}`);
    });
  }
}

const entry = process.argv[1] ? resolve(process.argv[1]) : '';
if (entry === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
