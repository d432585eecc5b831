import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import AjvDraft04Module from 'ajv-draft-04';
import { parse as parseEnv } from 'dotenv';
import { zipSync, type Zippable } from 'fflate';
import { PNG } from 'pngjs';
import addFormatsModule from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';

// Builds the Teams app package: appPackage/build/appPackage.<env>.zip.
//
//   npm run package                     # env/.env.local, or env/.env.$TEAMSFX_ENV
//   npm run package -- --env dev        # env/.env.dev
//
// Reads the environment file (KEY=VALUE lines), replaces every ${{NAME}} placeholder in the
// manifest and its localization files, validates the result offline (the official JSON schemas
// bundled with @microsoft/app-manifest, plus the checks the schemas cannot express) and writes a
// zip holding manifest.json, the two icons and the localization files, all at the root. Nothing
// is written when a check fails. The zip is reproducible: fixed entry order and timestamps.

export const ROOT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Teams shows at most this many characters of a bot command title. */
export const MAX_COMMAND_TITLE = 32;

export class PackageError extends Error {
  constructor(readonly problems: string[]) {
    super(`The app package was not built:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'PackageError';
  }
}

// ---------------------------------------------------------------------------------------------
// Environment files and placeholders.

const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Names of the `${{NAME}}` placeholders in a text, in order of first use. */
export function placeholderNames(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1]!))];
}

/**
 * Replaces `${{NAME}}` placeholders. Values are inserted JSON-escaped, since every file they go
 * into is JSON. A name without a non-empty value is reported, not replaced.
 */
export function substitutePlaceholders(text: string, variables: Readonly<Record<string, string | undefined>>): { text: string; missing: string[] } {
  const missing = new Set<string>();
  const replaced = text.replace(PLACEHOLDER, (placeholder, name: string) => {
    const value = variables[name];
    if (value === undefined || value === '') {
      missing.add(name);
      return placeholder;
    }
    return JSON.stringify(value).slice(1, -1);
  });
  return { text: replaced, missing: [...missing] };
}

// ---------------------------------------------------------------------------------------------
// Zip writing (fflate). A fixed modification time, so the same inputs always give the same bytes.

export interface ZipEntry {
  name: string;
  data: Buffer;
}

const FIXED_MTIME = '1980-01-01T00:00:00';

export function createZip(entries: readonly ZipEntry[]): Buffer {
  const files: Zippable = {};
  for (const entry of entries) files[entry.name] = [new Uint8Array(entry.data), { level: 9, mtime: FIXED_MTIME }];
  return Buffer.from(zipSync(files));
}

// ---------------------------------------------------------------------------------------------
// Validation.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ajv-draft-04 and ajv-formats are CommonJS modules with a default export.
interface AjvInstance {
  compile(schema: object): ValidateFunction;
}
type AjvConstructor = new (options: Record<string, unknown>) => AjvInstance;
type FormatsPlugin = (ajv: AjvInstance) => AjvInstance;
function defaultExport<T>(module: unknown): T {
  const candidate = module as { default?: unknown };
  return (typeof candidate.default === 'function' ? candidate.default : module) as T;
}
const AjvDraft04 = defaultExport<AjvConstructor>(AjvDraft04Module);
const addFormats = defaultExport<FormatsPlugin>(addFormatsModule);

/** Folder of the official Teams schemas bundled with @microsoft/app-manifest. */
export function schemaFolder(manifestVersion: string): string {
  const packageJson = createRequire(import.meta.url).resolve('@microsoft/app-manifest/package.json');
  return join(dirname(packageJson), 'build', 'json-schemas', 'teams', `v${manifestVersion}`);
}

export interface SchemaValidators {
  manifest: ValidateFunction;
  localization: ValidateFunction;
}

const validatorCache = new Map<string, SchemaValidators>();

/** Compiled validators for a manifest version's MicrosoftTeams and Localization schemas. */
export function schemaValidators(manifestVersion: string): SchemaValidators {
  const cached = validatorCache.get(manifestVersion);
  if (cached) return cached;
  const folder = schemaFolder(manifestVersion);
  const load = (file: string): object => {
    const path = join(folder, file);
    if (!existsSync(path)) throw new PackageError([`no bundled schema for manifest version ${manifestVersion}: ${path}`]);
    return JSON.parse(readFileSync(path, 'utf8')) as object;
  };
  // The schemas are draft-04; their patterns are written for JavaScript without the `u` flag.
  const ajv = addFormats(new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false }));
  const validators = {
    manifest: ajv.compile(load('MicrosoftTeams.schema.json')),
    localization: ajv.compile(load('MicrosoftTeams.Localization.schema.json')),
  };
  validatorCache.set(manifestVersion, validators);
  return validators;
}

export function describeErrors(file: string, errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => {
    const params = Object.keys(error.params).length ? ` ${JSON.stringify(error.params)}` : '';
    return `${file}${error.instancePath || '/'}: ${error.message ?? error.keyword}${params}`;
  });
}

/** Width and height of a PNG (pngjs), or undefined when the bytes are not one. */
export function pngSize(data: Buffer): { width: number; height: number } | undefined {
  try {
    const { width, height } = PNG.sync.read(data);
    return { width, height };
  } catch {
    return undefined;
  }
}

/** The files of an app package, by name, with placeholders already replaced. */
export type PackageFiles = ReadonlyMap<string, Buffer>;

const ICON_SIZES = { color: 192, outline: 32 } as const;
const LOCALIZED_COMMAND_KEY = /^bots\[(\d+)\]\.commandLists\[(\d+)\]\.commands\[(\d+)\]\.(title|description)$/;

function commandAt(manifest: JsonObject, bot: number, list: number, command: number): JsonObject | undefined {
  const bots = manifest.bots;
  const botEntry = Array.isArray(bots) ? bots[bot] : undefined;
  const lists = isObject(botEntry) ? botEntry.commandLists : undefined;
  const listEntry = Array.isArray(lists) ? lists[list] : undefined;
  const commands = isObject(listEntry) ? listEntry.commands : undefined;
  const commandEntry = Array.isArray(commands) ? commands[command] : undefined;
  return isObject(commandEntry) ? commandEntry : undefined;
}

/**
 * Every problem found in a package's files: the manifest and each localization file against the
 * official schemas of the manifest's version, placeholders left, the files the manifest names,
 * the icons' sizes, command titles longer than Teams shows, localization keys naming commands
 * the manifest does not have. Empty when the package is good.
 */
export function validatePackageFiles(files: PackageFiles): string[] {
  const problems: string[] = [];
  for (const [name, data] of files) {
    if (name.endsWith('.json') && data.toString('utf8').includes('${{')) {
      problems.push(`${name}: placeholders left: ${placeholderNames(data.toString('utf8')).join(', ') || '${{'}`);
    }
  }
  const manifestData = files.get('manifest.json');
  if (!manifestData) return [...problems, 'manifest.json is missing'];
  let manifest: JsonObject;
  try {
    const parsed = JSON.parse(manifestData.toString('utf8')) as Json;
    if (!isObject(parsed)) return [...problems, 'manifest.json: not a JSON object'];
    manifest = parsed;
  } catch (error) {
    return [...problems, `manifest.json: not valid JSON (${(error as Error).message})`];
  }
  const version = manifest.manifestVersion;
  if (typeof version !== 'string') return [...problems, 'manifest.json: manifestVersion is missing'];
  const validators = schemaValidators(version);
  if (!validators.manifest(manifest)) problems.push(...describeErrors('manifest.json', validators.manifest.errors));
  const expectedSchema = `https://developer.microsoft.com/json-schemas/teams/v${version}/MicrosoftTeams.schema.json`;
  if (manifest.$schema !== expectedSchema) problems.push(`manifest.json: $schema should be ${expectedSchema}`);

  // Icons.
  const icons = isObject(manifest.icons) ? manifest.icons : {};
  for (const [kind, size] of Object.entries(ICON_SIZES)) {
    const file = icons[kind];
    if (typeof file !== 'string') continue; // reported by the schema
    const data = files.get(file);
    const actual = data ? pngSize(data) : undefined;
    if (!data) problems.push(`icons.${kind}: ${file} is not in the package`);
    else if (!actual) problems.push(`icons.${kind}: ${file} is not a PNG`);
    else if (actual.width !== size || actual.height !== size) {
      problems.push(`icons.${kind}: ${file} is ${actual.width}x${actual.height}, must be ${size}x${size}`);
    }
  }

  // Command titles.
  const bots = Array.isArray(manifest.bots) ? manifest.bots : [];
  bots.forEach((bot, botIndex) => {
    const lists = isObject(bot) && Array.isArray(bot.commandLists) ? bot.commandLists : [];
    lists.forEach((list, listIndex) => {
      const commands = isObject(list) && Array.isArray(list.commands) ? list.commands : [];
      commands.forEach((command, commandIndex) => {
        const title = isObject(command) ? command.title : undefined;
        if (typeof title === 'string' && [...title].length > MAX_COMMAND_TITLE) {
          problems.push(
            `manifest.json: bots[${botIndex}].commandLists[${listIndex}].commands[${commandIndex}].title "${title}" is longer than ${MAX_COMMAND_TITLE} characters`,
          );
        }
      });
    });
  });

  // Localization files.
  const localization = isObject(manifest.localizationInfo) ? manifest.localizationInfo : undefined;
  const languages = localization && Array.isArray(localization.additionalLanguages) ? localization.additionalLanguages : [];
  const localizationFiles = languages.flatMap((language) => (isObject(language) && typeof language.file === 'string' ? [language.file] : []));
  if (localization && typeof localization.defaultLanguageFile === 'string') localizationFiles.push(localization.defaultLanguageFile);
  const expectedLocalizationSchema = `https://developer.microsoft.com/json-schemas/teams/v${version}/MicrosoftTeams.Localization.schema.json`;
  for (const file of localizationFiles) {
    const data = files.get(file);
    if (!data) {
      problems.push(`localizationInfo: ${file} is not in the package`);
      continue;
    }
    let strings: Json;
    try {
      strings = JSON.parse(data.toString('utf8')) as Json;
    } catch (error) {
      problems.push(`${file}: not valid JSON (${(error as Error).message})`);
      continue;
    }
    if (!validators.localization(strings)) problems.push(...describeErrors(file, validators.localization.errors));
    if (!isObject(strings)) continue;
    if (strings.$schema !== expectedLocalizationSchema) problems.push(`${file}: $schema should be ${expectedLocalizationSchema}`);
    for (const [key, value] of Object.entries(strings)) {
      const match = LOCALIZED_COMMAND_KEY.exec(key);
      if (!match) continue;
      const command = commandAt(manifest, Number(match[1]), Number(match[2]), Number(match[3]));
      if (!command) problems.push(`${file}: ${key} names a command the manifest does not have`);
      else if (match[4] === 'title' && typeof value === 'string' && [...value].length > MAX_COMMAND_TITLE) {
        problems.push(`${file}: ${key} "${value}" is longer than ${MAX_COMMAND_TITLE} characters`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Building.

export interface BuildOptions {
  /** Environment name: env/.env.<name>. Default: TEAMSFX_ENV, else `local`. */
  envName?: string;
  /** Project root holding appPackage/ and env/. Default: this repository. */
  rootDir?: string;
  /** Environment file to read instead of <rootDir>/env/.env.<envName>. */
  envFile?: string;
  /** Zip to write instead of <rootDir>/appPackage/build/appPackage.<envName>.zip. */
  outputPath?: string;
  /** Variables that override the file's (the toolkit's convention); default: process.env. */
  processEnv?: Readonly<Record<string, string | undefined>>;
}

export interface BuildResult {
  envName: string;
  zipPath: string;
  /** Entry names, in zip order. */
  entries: string[];
}

/** The files that go into the package: the manifest, the icons and the localization files. */
function packageFileNames(manifest: JsonObject): string[] {
  const names = ['manifest.json'];
  const icons = isObject(manifest.icons) ? manifest.icons : {};
  for (const kind of ['color', 'outline', 'color32x32']) {
    const file = icons[kind];
    if (typeof file === 'string') names.push(file);
  }
  const localization = isObject(manifest.localizationInfo) ? manifest.localizationInfo : {};
  if (typeof localization.defaultLanguageFile === 'string') names.push(localization.defaultLanguageFile);
  const languages = Array.isArray(localization.additionalLanguages) ? localization.additionalLanguages : [];
  for (const language of languages) if (isObject(language) && typeof language.file === 'string') names.push(language.file);
  return [...new Set(names)];
}

export function buildAppPackage(options: BuildOptions = {}): BuildResult {
  const processEnv = options.processEnv ?? process.env;
  const envName = options.envName ?? (processEnv.TEAMSFX_ENV || 'local');
  if (!/^[A-Za-z0-9_-]+$/.test(envName)) throw new PackageError([`"${envName}" is not an environment name`]);
  const rootDir = options.rootDir ?? ROOT_DIR;
  const appPackageDir = join(rootDir, 'appPackage');
  const envFile = options.envFile ?? join(rootDir, 'env', `.env.${envName}`);
  if (!existsSync(envFile)) throw new PackageError([`no environment file ${relative(process.cwd(), envFile) || envFile}`]);
  // The toolkit's env files are dotenv files.
  const fromFile = parseEnv(readFileSync(envFile, 'utf8'));
  // A variable set in the process environment wins over the file, as in the toolkit.
  const variables: Record<string, string | undefined> = { ...fromFile, TEAMSFX_ENV: envName };
  for (const [name, value] of Object.entries(processEnv)) if (value) variables[name] = value;
  variables.TEAMSFX_ENV = envName;

  const manifestPath = join(appPackageDir, 'manifest.json');
  const manifestTemplate = JSON.parse(readFileSync(manifestPath, 'utf8')) as Json;
  if (!isObject(manifestTemplate)) throw new PackageError(['appPackage/manifest.json: not a JSON object']);
  const names = packageFileNames(manifestTemplate);

  const files = new Map<string, Buffer>();
  const missing = new Map<string, string[]>();
  const problems: string[] = [];
  for (const name of names) {
    const path = join(appPackageDir, name);
    if (!existsSync(path)) {
      problems.push(`appPackage/${name} is named by the manifest but does not exist`);
      continue;
    }
    const data = readFileSync(path);
    if (!name.endsWith('.json')) {
      files.set(name, data);
      continue;
    }
    const substituted = substitutePlaceholders(data.toString('utf8'), variables);
    for (const variable of substituted.missing) missing.set(variable, [...(missing.get(variable) ?? []), name]);
    files.set(name, Buffer.from(substituted.text, 'utf8'));
  }
  if (missing.size > 0) {
    const shownFile = relative(process.cwd(), envFile) || envFile;
    problems.unshift(...[...missing].map(([variable, usedBy]) => `${variable} has no value in ${shownFile} (used by ${usedBy.join(', ')})`));
    throw new PackageError(problems);
  }
  problems.push(...validatePackageFiles(files));
  if (problems.length > 0) throw new PackageError(problems);

  const zipPath = options.outputPath ?? join(appPackageDir, 'build', `appPackage.${envName}.zip`);
  mkdirSync(dirname(zipPath), { recursive: true });
  writeFileSync(zipPath, createZip(names.map((name) => ({ name, data: files.get(name)! }))));
  return { envName, zipPath, entries: names };
}

function envNameFromArguments(args: readonly string[]): string | undefined {
  const index = args.findIndex((arg) => arg === '--env' || arg.startsWith('--env='));
  if (index < 0) return undefined;
  const arg = args[index]!;
  return arg.includes('=') ? arg.slice('--env='.length) : args[index + 1];
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const envName = envNameFromArguments(process.argv.slice(2));
    const result = buildAppPackage(envName ? { envName } : {});
    console.log(`wrote ${relative(process.cwd(), result.zipPath)} (${result.entries.join(', ')})`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
