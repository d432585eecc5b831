import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileTemplate, type CompiledTemplate } from './compiledTemplate.js';

// A card template is a JSON file under cards/templates (or a sub-folder), parsed once when the
// module that owns it loads, and expanded per card with typed data by adaptivecards-templating.
// The data arrives finished (texts in the reader's words, instants in their zone): expansion
// places values and formats nothing, and gives each card its own tree without nulls.

export type AdaptiveCard = { type: 'AdaptiveCard'; version: string } & Record<string, unknown>;

const TEMPLATES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'templates');

/** A template file as JSON: `name` is its path under cards/templates without `.json`. */
export function templateJson(name: string): unknown {
  return JSON.parse(readFileSync(join(TEMPLATES_DIR, `${name}.json`), 'utf8'));
}

export class CardTemplate<Data extends object> {
  private readonly template: CompiledTemplate;

  /** `name` is the file's path under cards/templates without `.json`, e.g. `claim` or `forms/createClaim`. */
  constructor(readonly name: string) {
    // Parsed and compiled once (cards/compiledTemplate.ts): expansion only reads data.
    this.template = compileTemplate(templateJson(name));
  }

  expand(data: Data): AdaptiveCard {
    const card = this.template.expand({ $root: data }) as AdaptiveCard;
    if (card?.type !== 'AdaptiveCard') throw new Error(`template ${this.name} did not expand to an Adaptive Card`);
    return card;
  }
}

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export function toAttachment(card: AdaptiveCard): { contentType: string; content: AdaptiveCard } {
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: card };
}
