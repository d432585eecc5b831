import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestAdapter, type Activity, type TurnContext } from 'botbuilder';
import { ActorResolver } from '../../../bot/actorResolver.js';
import { CardActions } from '../../../bot/cardActions.js';
import { ClaimsBot } from '../../../bot/claimsBot.js';
import { FileStorage } from '../../../storage/files/fileStateStorage.js';
import type { Actor } from '../../../services/actor.js';
import type { Directory } from '../../../services/directory/directory.js';
import { DialogFlows } from '../../../dialogs/conversationFlows.js';
import { PoeFiles, TEAMS_FILE_DOWNLOAD_INFO } from '../../../poe/poeFiles.js';
import { createHarness, partner, type Harness } from '../../support/serviceHarness.js';
import type { PolicyName } from '../../../services/policy.js';
import { FileBlobStore } from '../../../storage/files/fileBlobStore.js';

// Drives the dialogs through the real ClaimsBot routing and botbuilder's TestAdapter, with a real
// claim service and FileStorage on a temp folder; the directory (Graph, across the network)
// answers with the harness's actor. Each `say` returns exactly what the bot sent during that turn.

export interface Card {
  type: 'AdaptiveCard';
  body?: unknown[];
  actions?: CardAction[];
}

export interface CardAction {
  type: string;
  title: string;
  data: Record<string, string>;
}

export interface DialogHarness {
  service: Harness;
  flows: DialogFlows;
  poe: PoeFiles;
  actor: Actor;
  say(input: string | Partial<Activity>): Promise<Partial<Activity>[]>;
  /** A new claim service, FileStorage, flows and adapter on the same folders: a restart. */
  restart(): Promise<DialogHarness>;
  cleanup(): Promise<void>;
}

export interface DialogHarnessOptions {
  actor?: Actor;
  locale?: string;
  policy?: PolicyName;
  maxBytes?: number;
  /** Shared between restarts. */
  service?: Harness;
}

export async function createDialogHarness(options: DialogHarnessOptions = {}): Promise<DialogHarness> {
  const service = options.service ?? (await createHarness({ policy: options.policy }));
  const actor = options.actor ?? partner();
  const storage = new FileStorage(service.dataDir);
  const rules = { ...service.service.policy.poe, ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}) };
  const poe = new PoeFiles({ blobs: new FileBlobStore(service.dataDir), rules, allowedHosts: ['127.0.0.1'], allowHttp: true });
  const flows = new DialogFlows({ claims: service.service, storage, poe, imageAuthorization: async () => undefined });
  const directory: Directory = {
    resolve: async () => ({
      userId: actor.userId,
      tenantId: actor.tenantId,
      displayName: actor.displayName,
      roles: actor.roles,
      ...(actor.organisation ? { organisation: actor.organisation } : {}),
    }),
  };
  const clock = service.clock;
  const actors = new ActorResolver(directory, clock);
  const cardActions = new CardActions({ claims: service.service, clock, actors, config: { defaultLocale: 'en' } });
  const bot = new ClaimsBot({ claims: service.service, clock, actors, flows, cardActions, defaultLocale: 'en' });
  const adapter = new TestAdapter((context: TurnContext) => bot.run(context));
  const base: Partial<Activity> = {
    type: 'message',
    channelId: 'msteams',
    from: { id: `29:${actor.userId}`, aadObjectId: actor.userId, name: actor.displayName ?? actor.userId },
    recipient: { id: '28:bot', name: 'CPOR' },
    conversation: { id: `a:personal-${actor.userId}`, conversationType: 'personal', tenantId: actor.tenantId, isGroup: false, name: '' },
    locale: options.locale ?? 'en-US',
  };
  const harness: DialogHarness = {
    service,
    flows,
    poe,
    actor,
    async say(input) {
      adapter.activeQueue.splice(0);
      const activity = typeof input === 'string' ? { ...base, text: input } : { ...base, ...input };
      await adapter.processActivity(activity);
      return adapter.activeQueue.splice(0);
    },
    async restart() {
      const next = await service.restart();
      return createDialogHarness({ ...options, service: next });
    },
    cleanup: () => service.cleanup(),
  };
  return harness;
}

// ---- reading replies ----------------------------------------------------------------------

export function textOf(reply: Partial<Activity> | undefined): string {
  if (!reply || typeof reply.text !== 'string') throw new Error(`expected a text reply, got ${JSON.stringify(reply)?.slice(0, 300)}`);
  return reply.text;
}

export function cardOf(reply: Partial<Activity> | undefined): Card {
  const content = reply?.attachments?.[0]?.content as Card | undefined;
  if (content?.type !== 'AdaptiveCard') throw new Error(`expected a card reply, got ${JSON.stringify(reply)?.slice(0, 300)}`);
  return content;
}

/** The card's first TextBlock: every form card starts with its title. */
export function cardTitle(reply: Partial<Activity> | undefined): string {
  const first = cardOf(reply).body?.[0] as { text?: string } | undefined;
  return first?.text ?? '';
}

export function cardJson(reply: Partial<Activity> | undefined): string {
  return JSON.stringify(cardOf(reply));
}

export function actionTitled(reply: Partial<Activity> | undefined, title: string): CardAction {
  const action = cardOf(reply).actions?.find((candidate) => candidate.title === title);
  if (!action) throw new Error(`no action "${title}" in ${JSON.stringify(cardOf(reply).actions?.map((a) => a.title))}`);
  return action;
}

/** What Teams sends for an Action.Submit: the button's data merged with the form's inputs. */
export function submit(action: CardAction, inputs: Record<string, string> = {}): Partial<Activity> {
  return { value: { ...action.data, ...inputs }, text: undefined };
}

// ---- a stand-in for SharePoint ------------------------------------------------------------

export interface FileHost {
  base: string;
  requests: string[];
  /** Serves `bytes` at /files/<name>; `chunked` omits Content-Length. */
  put(name: string, bytes: Buffer, options?: { chunked?: boolean }): string;
  close(): Promise<void>;
}

export async function startFileHost(): Promise<FileHost> {
  const files = new Map<string, { bytes: Buffer; chunked: boolean }>();
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const file = files.get(decodeURIComponent((request.url ?? '').replace(/^\/files\//, '')));
    if (!file) {
      response.writeHead(404);
      response.end();
      return;
    }
    if (file.chunked) {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      const size = 64 * 1024;
      for (let offset = 0; offset < file.bytes.length; offset += size) response.write(file.bytes.subarray(offset, offset + size));
      response.end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.bytes.length });
    response.end(file.bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    requests,
    put(name, bytes, options = {}) {
      files.set(name, { bytes, chunked: options.chunked ?? false });
      return `${base}/files/${encodeURIComponent(name)}`;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A message carrying a file the way Teams sends one in a 1:1 chat. */
export function fileMessage(name: string, downloadUrl: string): Partial<Activity> {
  const fileType = name.includes('.') ? name.split('.').pop()! : '';
  return {
    text: undefined,
    attachments: [
      {
        contentType: TEAMS_FILE_DOWNLOAD_INFO,
        name,
        contentUrl: 'https://contoso-my.sharepoint.com/personal/pat/Documents/Files/' + name,
        content: { downloadUrl, uniqueId: '1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b', fileType },
      },
    ],
  };
}

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
