import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// One catalogue per locale: every JSON file under locales/<locale>/ is a namespace of it, so
// `dialogs.json` holds the keys `dialogs.*`. Loaded once, at start.

export const SUPPORTED_LOCALES = ['en', 'es', 'pt-BR', 'it', 'sv'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

export type MessageParams = Record<string, string | number>;
type Catalogue = ReadonlyMap<string, string>;

const LOCALES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'locales');

function loadCatalogue(locale: Locale): Catalogue {
  const folder = join(LOCALES_DIR, locale);
  const entries = new Map<string, string>();
  for (const file of readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    const namespace = file.slice(0, -'.json'.length);
    const messages = JSON.parse(readFileSync(join(folder, file), 'utf8')) as Record<string, unknown>;
    flatten(`${namespace}.`, messages, entries);
  }
  return entries;
}

function flatten(prefix: string, value: Record<string, unknown>, into: Map<string, string>): void {
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry === 'string') into.set(`${prefix}${key}`, entry);
    else if (entry && typeof entry === 'object') flatten(`${prefix}${key}.`, entry as Record<string, unknown>, into);
    else throw new Error(`message ${prefix}${key} is neither text nor a group`);
  }
}

const catalogues = new Map<Locale, Catalogue>(SUPPORTED_LOCALES.map((locale) => [locale, loadCatalogue(locale)]));

/** Every key of a locale's catalogue (for the test that all five have the same keys). */
export function catalogueKeys(locale: Locale): string[] {
  return [...catalogues.get(locale)!.keys()].sort();
}

/** The best supported locale for a Teams locale such as `es-ES`, `pt-BR`, `sv-SE` or `fr-FR`. */
export function resolveLocale(requested: string | undefined): Locale {
  if (!requested) return DEFAULT_LOCALE;
  const normalized = requested.replace('_', '-').toLowerCase();
  const exact = SUPPORTED_LOCALES.find((locale) => locale.toLowerCase() === normalized);
  if (exact) return exact;
  const language = normalized.split('-')[0];
  // Portuguese speakers get Brazilian Portuguese, the only Portuguese catalogue.
  return SUPPORTED_LOCALES.find((locale) => locale.toLowerCase().split('-')[0] === language) ?? DEFAULT_LOCALE;
}

/** `{name}`; splitting at it leaves the names at the odd places. */
const PLACEHOLDER = /\{(\w+)\}/;

/** A message without placeholders, or its text and placeholders' names in turn (text, name, text, …, text). */
type SplitMessage = string | readonly string[];

/** How many written instants a translator keeps (a few claims' worth, in every zone read). */
const INSTANT_TEXTS = 512;

export class Translator {
  readonly locale: Locale;
  private readonly catalogue: Catalogue;
  private readonly fallback: Catalogue;
  /** Formatters by time zone; only zones Intl accepted get here, so it stays as small as the zone list. */
  private readonly instantFormats = new Map<string, Intl.DateTimeFormat>();
  /** Instants already written, by zone and instant: the same few recur on every copy of a claim's card. */
  private readonly instantTexts = new Map<string, string>();
  private readonly dayFormats = new Map<string, Intl.DateTimeFormat>();
  private listFormat: Intl.ListFormat | undefined;
  private pluralRules: Intl.PluralRules | undefined;
  /** Messages by key, split at their placeholders (the catalogue's keys, so bounded). */
  private readonly messages = new Map<string, SplitMessage>();

  constructor(locale: Locale) {
    this.locale = locale;
    this.catalogue = catalogues.get(locale)!;
    this.fallback = catalogues.get(DEFAULT_LOCALE)!;
  }

  /** The message for `key` with `{name}` placeholders filled; a missing key is a bug, so it throws. */
  t(key: string, params: MessageParams = {}): string {
    const message = this.messages.get(key) ?? this.split(key);
    if (typeof message === 'string') return message;
    let text = message[0]!;
    for (let index = 1; index < message.length; index += 2) {
      const name = message[index]!;
      const value = params[name];
      text += (value === undefined ? `{${name}}` : String(value)) + message[index + 1]!;
    }
    return text;
  }

  /** A message split at its placeholders once: a card fills dozens, hundreds of times a second. */
  private split(key: string): SplitMessage {
    const template = this.catalogue.get(key) ?? this.fallback.get(key);
    if (template === undefined) throw new Error(`no message "${key}"`);
    // Most messages (button labels, headings) have no placeholder.
    const parts = template.split(PLACEHOLDER);
    const message = parts.length === 1 ? template : Object.freeze(parts);
    this.messages.set(key, message);
    return message;
  }

  /**
   * A message with plural forms (`"key": { "one": …, "other": … }`), the form chosen for `count`
   * by the locale's rules ("1 claim", "2 claims"); `other` when the locale has no such form.
   */
  plural(key: string, count: number, params: MessageParams = {}): string {
    this.pluralRules ??= new Intl.PluralRules(this.locale);
    const form = `${key}.${this.pluralRules.select(count)}`;
    return this.t(this.has(form) ? form : `${key}.other`, { ...params, count });
  }

  has(key: string): boolean {
    return this.catalogue.has(key) || this.fallback.has(key);
  }

  /** An instant in the reader's language and time zone, e.g. "27 Nov 2026, 15:00 UTC". */
  formatInstant(iso: string, timeZone = 'UTC'): string {
    // Writing an instant costs about 2 µs, a tenth of a claim card: keep the last few hundred.
    const key = `${timeZone} ${iso}`;
    const known = this.instantTexts.get(key);
    if (known !== undefined) return known;
    if (this.instantTexts.size >= INSTANT_TEXTS) this.instantTexts.clear();
    const text = this.instantFormat(timeZone).format(new Date(iso));
    this.instantTexts.set(key, text);
    return text;
  }

  private instantFormat(timeZone: string): Intl.DateTimeFormat {
    // Building an Intl formatter costs far more than using one: keep one per zone (bench/README.md).
    let format = this.instantFormats.get(timeZone);
    if (!format) {
      format = new Intl.DateTimeFormat(this.locale, {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        timeZone,
        timeZoneName: 'short',
      });
      this.instantFormats.set(timeZone, format);
    }
    return format;
  }

  /** The day before an exclusive end (e.g. the end of someone's last day away), as a date: "Dec 2, 2026". */
  formatLastDay(endIso: string, timeZone = 'UTC'): string {
    let format = this.dayFormats.get(timeZone);
    if (!format) {
      format = new Intl.DateTimeFormat(this.locale, { year: 'numeric', month: 'short', day: 'numeric', timeZone });
      this.dayFormats.set(timeZone, format);
    }
    return format.format(new Date(Date.parse(endIso) - 1));
  }

  formatList(items: readonly string[]): string {
    this.listFormat ??= new Intl.ListFormat(this.locale, { type: 'conjunction' });
    return this.listFormat.format(items);
  }
}

const translators = new Map<Locale, Translator>(SUPPORTED_LOCALES.map((locale) => [locale, new Translator(locale)]));

export function translatorFor(requested: string | undefined): Translator {
  return translators.get(resolveLocale(requested))!;
}
