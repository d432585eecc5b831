import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { parseCommand, type Verb } from '../../dialogs/commands.js';
import { SUPPORTED_LOCALES, type Locale } from '../../cards/i18n/i18n.js';
import { SEARCH_COMMAND_ID } from '../../bot/claimSearch.js';

// The manifest and its localization files, with placeholders replaced by test values, against the
// official Teams JSON schemas of the manifest's version as bundled with @microsoft/app-manifest,
// offline. Also: the bot's shape, and that every command title in every language is something
// the bot understands when the user picks it from the command menu.

const APP_PACKAGE = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'appPackage');

const TEST_VALUES: Record<string, string> = {
  TEAMS_APP_ID: '11111111-2222-4333-8444-555555555555',
  BOT_ID: '66666666-7777-4888-9999-000000000000',
  AAD_APP_CLIENT_ID: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
  BOT_DOMAIN: 'cpor-bot.example.com',
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function readTemplate(file: string): string {
  return readFileSync(join(APP_PACKAGE, file), 'utf8');
}

function substituted(file: string): JsonObject {
  const text = readTemplate(file).replace(/\$\{\{([A-Z_]+)\}\}/g, (placeholder, name: string) => {
    const value = TEST_VALUES[name];
    assert.ok(value, `${file} uses ${placeholder}, which the test does not know`);
    return value;
  });
  return JSON.parse(text) as JsonObject;
}

interface AjvInstance {
  compile(schema: object): ValidateFunction;
}
function defaultExport<T>(module: unknown): T {
  const candidate = module as { default?: unknown };
  return (typeof candidate.default === 'function' ? candidate.default : module) as T;
}
const AjvDraft04 = defaultExport<new (options: Record<string, unknown>) => AjvInstance>(AjvDraft04Module);
const addFormats = defaultExport<(ajv: AjvInstance) => AjvInstance>(addFormatsModule);

function officialSchema(version: string, file: string): object {
  const packageJson = createRequire(import.meta.url).resolve('@microsoft/app-manifest/package.json');
  const path = join(dirname(packageJson), 'build', 'json-schemas', 'teams', `v${version}`, file);
  assert.ok(existsSync(path), `@microsoft/app-manifest bundles no ${file} for v${version}`);
  const schema = JSON.parse(readFileSync(path, 'utf8')) as { $schema?: string };
  assert.equal(schema.$schema, 'http://json-schema.org/draft-04/schema#', `${file} v${version} is not draft-04`);
  return schema;
}

function compile(version: string, file: string): ValidateFunction {
  // Draft-04, and the schemas' patterns are JavaScript regular expressions without the `u` flag.
  const ajv = addFormats(new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false }));
  return ajv.compile(officialSchema(version, file));
}

function errorsOf(validate: ValidateFunction): string {
  return JSON.stringify(validate.errors, null, 2);
}

const manifest = substituted('manifest.json');
const version = String(manifest.manifestVersion);
const validateManifest = compile(version, 'MicrosoftTeams.schema.json');
const validateLocalization = compile(version, 'MicrosoftTeams.Localization.schema.json');

/** The verbs of the command lists, in order, and where a language's strings live. */
const LISTED_VERBS: Verb[] = ['new-claim', 'my-claims', 'claim', 'respond', 'comment', 'withdraw', 'dispute', 'history', 'queue', 'help'];
const LANGUAGES: { locale: Locale; tag: string; file: string }[] = [
  { locale: 'es', tag: 'es-es', file: 'es.json' },
  { locale: 'pt-BR', tag: 'pt-br', file: 'pt-BR.json' },
  { locale: 'it', tag: 'it-it', file: 'it.json' },
  { locale: 'sv', tag: 'sv-se', file: 'sv.json' },
];

interface Command {
  title: string;
  description: string;
}
interface CommandList {
  scopes: string[];
  commands: Command[];
}
interface Bot {
  botId: string;
  scopes: string[];
  supportsFiles: boolean;
  isNotificationOnly: boolean;
  commandLists: CommandList[];
}
const bot = (manifest.bots as unknown as Bot[])[0]!;

describe('Teams app manifest', () => {
  it('uses manifest schema 1.22 or newer, with the matching $schema URL', () => {
    const [major, minor] = version.split('.').map(Number);
    assert.ok(major === 1 && minor! >= 22, `manifestVersion ${version}`);
    assert.equal(manifest.$schema, `https://developer.microsoft.com/json-schemas/teams/v${version}/MicrosoftTeams.schema.json`);
  });

  it('validates against the official schema of its version (offline)', () => {
    assert.ok(validateManifest(manifest), errorsOf(validateManifest));
  });

  it('the schema check is live: bad ids, unknown properties and long names are refused', () => {
    const broken = structuredClone(manifest);
    broken.id = 'not-a-guid';
    broken.unknownProperty = true;
    (broken.name as JsonObject).short = 'A name much longer than thirty characters';
    assert.equal(validateManifest(broken), false);
    const paths = (validateManifest.errors ?? []).map((error) => `${error.instancePath} ${error.keyword}`);
    assert.ok(paths.includes('/id pattern'), paths.join('\n'));
    assert.ok(paths.includes(' additionalProperties'), paths.join('\n'));
    assert.ok(paths.includes('/name/short maxLength'), paths.join('\n'));
  });

  it('fills ids and the bot domain from placeholders', () => {
    const template = JSON.parse(readTemplate('manifest.json')) as JsonObject;
    assert.equal(template.id, '${{TEAMS_APP_ID}}');
    assert.equal((template.bots as unknown as Bot[])[0]!.botId, '${{BOT_ID}}');
    assert.deepEqual(template.validDomains, ['${{BOT_DOMAIN}}']);
    assert.equal((template.webApplicationInfo as JsonObject).id, '${{AAD_APP_CLIENT_ID}}');
    assert.equal(typeof (template.webApplicationInfo as JsonObject).resource, 'string');
  });

  it('has one conversational bot in personal, team and group chats that accepts files', () => {
    assert.equal((manifest.bots as Json[]).length, 1);
    assert.deepEqual([...bot.scopes].sort(), ['groupChat', 'personal', 'team']);
    assert.equal(bot.supportsFiles, true);
    assert.equal(bot.isNotificationOnly, false);
    assert.deepEqual(
      bot.commandLists.map((list) => list.scopes),
      [['personal'], ['team'], ['groupChat']],
    );
  });

  it('lists the main verbs in every scope, with titles the bot parses back to the verb', () => {
    for (const list of bot.commandLists) {
      assert.equal(list.commands.length, LISTED_VERBS.length);
      list.commands.forEach((command, index) => {
        assert.ok([...command.title].length <= 32, `title "${command.title}" is longer than 32 characters`);
        assert.ok(command.description.trim().length > 0, `no description for "${command.title}"`);
        assert.equal(parseCommand(command.title)?.verb, LISTED_VERBS[index], `"${command.title}"`);
      });
    }
  });

  it("has the search message extension on the bot's own id, with the command the bot answers", () => {
    const extensions = manifest.composeExtensions as unknown as {
      botId: string;
      commands: { id: string; type: string; initialRun: boolean; parameters: { name: string }[] }[];
    }[];
    assert.equal(extensions.length, 1);
    assert.equal(extensions[0]!.botId, bot.botId, 'Universal Actions on shared cards need the same bot');
    const [command] = extensions[0]!.commands;
    assert.deepEqual(
      { id: command!.id, type: command!.type, initialRun: command!.initialRun, parameters: command!.parameters.map((parameter) => parameter.name) },
      { id: SEARCH_COMMAND_ID, type: 'query', initialRun: true, parameters: ['query'] },
    );
  });

  it('has a personal static tab served by the bot at /tab, on a valid domain', () => {
    const tabs = manifest.staticTabs as unknown as { entityId: string; name: string; contentUrl: string; scopes: string[]; websiteUrl?: string }[];
    assert.equal(tabs.length, 1);
    const [tab] = tabs;
    assert.deepEqual(tab!.scopes, ['personal']);
    assert.equal(tab!.contentUrl, `https://${TEST_VALUES.BOT_DOMAIN}/tab`);
    assert.ok((manifest.validDomains as string[]).includes(new URL(tab!.contentUrl).hostname));
    assert.equal(tab!.websiteUrl, undefined, 'outside Teams there is no SSO token: the tab lives in Teams only');
    // SSO: the token the page asks for is for the manifest's webApplicationInfo resource.
    assert.equal((manifest.webApplicationInfo as JsonObject).resource, `api://botid-${TEST_VALUES.AAD_APP_CLIENT_ID}`);
  });

  it('names the four additional languages, each file in the package folder', () => {
    const info = manifest.localizationInfo as { defaultLanguageTag: string; additionalLanguages: { languageTag: string; file: string }[] };
    assert.equal(info.defaultLanguageTag, 'en-us');
    assert.deepEqual(
      info.additionalLanguages,
      LANGUAGES.map(({ tag, file }) => ({ languageTag: tag, file })),
    );
    // With English in the manifest itself, that is every language the bot speaks.
    assert.deepEqual(['en', ...LANGUAGES.map((language) => language.locale)].sort(), [...SUPPORTED_LOCALES].sort());
    for (const { file } of LANGUAGES) assert.ok(existsSync(join(APP_PACKAGE, file)), file);
  });

  for (const { locale, file } of LANGUAGES) {
    describe(`localization file ${file}`, () => {
      const strings = substituted(file);

      it('validates against the official Localization schema of the same version', () => {
        assert.ok(validateLocalization(strings), errorsOf(validateLocalization));
        assert.equal(strings.$schema, `https://developer.microsoft.com/json-schemas/teams/v${version}/MicrosoftTeams.Localization.schema.json`);
      });

      it('translates the name and both descriptions', () => {
        for (const key of ['name.short', 'name.full', 'description.short', 'description.full']) {
          assert.equal(typeof strings[key], 'string', key);
          const english = key.startsWith('name') ? (manifest.name as JsonObject)[key.slice(5)] : (manifest.description as JsonObject)[key.slice(12)];
          if (key !== 'name.short') assert.notEqual(strings[key], english, `${key} is not translated`);
        }
      });

      it('has a title and description for every command of every list, and no others', () => {
        const expected: string[] = [];
        bot.commandLists.forEach((list, listIndex) =>
          list.commands.forEach((_, commandIndex) => {
            for (const part of ['title', 'description']) expected.push(`bots[0].commandLists[${listIndex}].commands[${commandIndex}].${part}`);
          }),
        );
        const actual = Object.keys(strings).filter((key) => key.startsWith('bots['));
        assert.deepEqual([...actual].sort(), [...expected].sort());
      });

      it("translates the search extension's command and its parameter", () => {
        for (const key of ['commands[0].title', 'commands[0].description', 'commands[0].parameters[0].title', 'commands[0].parameters[0].description']) {
          const value = strings[`composeExtensions[0].${key}`];
          assert.equal(typeof value, 'string', key);
          assert.ok(String(value).trim().length > 0, key);
        }
        assert.notEqual(strings['composeExtensions[0].commands[0].title'], 'Find a claim');
      });

      it('translates the name of the static tab', () => {
        const name = strings['staticTabs[0].name'];
        assert.equal(typeof name, 'string');
        assert.notEqual(name, 'Claims');
        assert.ok(String(name).length <= 128);
      });

      it('uses command titles the bot understands in that language, at most 32 characters', () => {
        bot.commandLists.forEach((list, listIndex) =>
          list.commands.forEach((_, commandIndex) => {
            const title = String(strings[`bots[0].commandLists[${listIndex}].commands[${commandIndex}].title`]);
            assert.ok([...title].length <= 32, `${locale}: "${title}" is longer than 32 characters`);
            assert.equal(parseCommand(title)?.verb, LISTED_VERBS[commandIndex], `${locale}: "${title}"`);
          }),
        );
      });
    });
  }

  it('the Localization schema check is live: unknown keys and empty names are refused', () => {
    const broken = { ...substituted('es.json'), 'name.short': '   ', 'bots[0].commandLists[5].commands[0].title': 'x' };
    assert.equal(validateLocalization(broken), false);
  });
});
