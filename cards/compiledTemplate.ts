import * as AEL from 'adaptive-expressions';
import * as ACData from 'adaptivecards-templating';

// adaptivecards-templating parses a template's `${...}` once, but works out the rest on every
// expansion: each node's kind, `$when` and `$data`, its keys, a saved context per node, and every
// path read (`${labels.approve}`, `${$data}`) the slow way: the path string rebuilt, split with a
// regular expression and looked up in a fresh memory wrapper. Here a template is compiled once,
// from the library's own parse:
// - each pure path read becomes an expression whose parts were split when the template loaded,
//   read with the library's rules: its own keys first (`$data`, `$root`, `$index`), property names
//   matched without regard to case, the first such key winning, numeric parts indexing arrays, and
//   a missing value given the library's substitution;
// - each node becomes a function that expands it as the library's internalExpand does (`$when`,
//   `$data` repeats, `$index`, items that repeat in place), so a card only reads its data;
// - every other expression (operators, functions, strings around expressions) is still evaluated
//   by the library.
//
// The expansion also gives every card its own tree without nulls (a `$when` on a property leaves
// `null` behind, and a card has no use for it): properties that expand to null are left out as they
// are placed, and a value an expression reads out of the data (`${execute}`, `${refreshUserIds}`) is
// copied without its nulls, so no card shares an object with the data (which may be kept between
// cards) or with another card. The same card as withoutNulls(the library's), in one walk.

/** One step of a path, split and lower-cased when the template loads. */
interface Part {
  name: string;
  lower: string;
  /** Whether `lower` is ASCII: then only a key of its length can lower-case to it. */
  ascii: boolean;
  /** The part as an array index (NaN when it is not one), as the library's memory reads it. */
  index: number;
}

/** A memory the templating library builds per evaluation: it reads paths from its own properties. */
interface TemplateMemory {
  _memory: { memory: unknown };
}

function isTemplateMemory(state: unknown): state is TemplateMemory {
  const inner = (state as Partial<TemplateMemory> | null)?._memory;
  return inner instanceof AEL.SimpleObjectMemory && (inner as unknown as { memory: unknown }).memory === state;
}

/**
 * The values the library's memory holds for an evaluation, in the order it sets them as its own
 * properties (after `_memory`, which no path of ours starts with): the first part of a path is
 * matched against them as against any object.
 */
const CONTEXT_KEYS = ['$root', '$data', '$index', '$host', '$_acTemplateVersion'] as const;

/** The library's evaluation context during an expansion: the values a memory is built from. */
type ExpansionContext = Record<(typeof CONTEXT_KEYS)[number], unknown>;

/** The library's results carry `error: undefined` when all went well, though its type says string. */
const NO_ERROR = undefined as unknown as string;

/** `${a.b.c}` compiled: the same answers as the library's accessor, without the per-read parsing. */
class CompiledPath extends AEL.Expression {
  private readonly path: string;
  private readonly parts: readonly Part[];
  private readonly text: string;
  /** The context value the path starts at, as the memory's first matching key would give it. */
  private readonly contextKey: (typeof CONTEXT_KEYS)[number] | undefined;

  constructor(original: AEL.Expression, path: string) {
    super(original.type, original.evaluator, ...original.children);
    this.path = path;
    // The library writes each false `$when` into a warning, which spells the expression out each time.
    this.text = original.toString();
    // The templating memory reads `x` as `$data.x`; `$root.x`, `$index` and `$data` as they are.
    this.parts = splitPath(path.startsWith('$') ? path : `$data.${path}`);
    const first = this.parts[0]!;
    this.contextKey = Number.isNaN(first.index) ? CONTEXT_KEYS.find((key) => key.toLowerCase() === first.lower) : undefined;
  }

  override tryEvaluate(state: unknown, options?: AEL.Options): AEL.ValueWithError {
    // Any other memory (none in a card expansion) gets the library's own evaluation.
    if (!isTemplateMemory(state)) return super.tryEvaluate(state, options);
    const value = read(state, this.parts);
    if (value !== undefined) return { value, error: NO_ERROR };
    // As the accessor does: a missing value is the substitution when one is asked for.
    return { value: options?.nullSubstitution ? options.nullSubstitution(this.path) : undefined, error: NO_ERROR };
  }

  /** Whether the path starts at one of the context's values (`$data`, `$root`, ...): then it is read from there. */
  get startsAtContext(): boolean {
    return this.contextKey !== undefined;
  }

  /** The value the path reads from the context (startsAtContext), as a memory over it gives it. */
  readFrom(context: ExpansionContext): unknown {
    return read(context[this.contextKey!], this.parts, 1);
  }

  /**
   * The value the library places for this path (internalExpand of an expression: a memory over
   * the context, substitutions allowed), read from the context itself (startsAtContext).
   */
  placedFrom(context: ExpansionContext): unknown {
    const value = this.readFrom(context);
    if (value !== undefined) return value;
    // The library's substitution: its global setting's text, else the expression as written.
    const substitute = ACData.GlobalSettings.getUndefinedFieldValueSubstitutionString?.(this.path);
    return substitute ? substitute : `\${${this.path}}`;
  }

  override toString(): string {
    return this.text;
  }
}

/** The path a chain of accessors reads (`a.b.c`), or undefined when it is anything else. */
function accessorPath(expression: AEL.Expression): string | undefined {
  const names: string[] = [];
  for (let node: AEL.Expression | undefined = expression; node !== undefined; node = node.children[1]) {
    const name = node.children[0];
    if (node.type !== AEL.ExpressionType.Accessor || !(name instanceof AEL.Constant) || typeof name.value !== 'string') return undefined;
    if (node.children.length > 2) return undefined;
    names.unshift(name.value);
  }
  // The accessor's own path building (FunctionUtils.tryAccumulatePath) for a chain of names.
  const path = names
    .map((name) => `${name}.`)
    .join('')
    .replace(/(\.*$)/g, '')
    .replace(/(\.\[)/g, '[');
  return path === '' ? undefined : path;
}

/** Split as the library's SimpleObjectMemory splits a path. */
function splitPath(path: string): Part[] {
  return (
    path
      .split(/[.[\]]+/)
      .filter((part) => part !== '')
      .map((part) => ((part.startsWith('"') && part.endsWith('"')) || (part.startsWith("'") && part.endsWith("'")) ? part.slice(1, -1) : part))
      // parseInt as the library calls it (no radix), so "0x1" indexes as it does there.
      .map((name) => ({ name, lower: name.toLowerCase(), ascii: isAscii(name.toLowerCase()), index: parseInt(name) }))
  );
}

function isAscii(text: string): boolean {
  for (let at = 0; at < text.length; at += 1) if (text.charCodeAt(at) > 0x7f) return false;
  return true;
}

/** SimpleObjectMemory.getValue's walk, over parts split in advance (at least one). */
function read(scope: unknown, parts: readonly Part[], from = 0): unknown {
  let current = scope;
  for (let at = from; at < parts.length; at += 1) {
    const part = parts[at]!;
    if (!Number.isNaN(part.index) && Array.isArray(current)) {
      // Out of range is an error there, which reads as no value.
      if (part.index < 0 || part.index >= current.length) return undefined;
      current = current[part.index];
    } else {
      current = property(current, part);
    }
  }
  return current;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * A property matched without regard to case, the first matching own key winning (accessProperty,
 * which finds it in Object.keys). `for...in` lists the own keys first and in that order without
 * building the array; a key whose length differs cannot match an ASCII name (lower-casing keeps
 * the length of every character but one, U+0130, whose lower case is not ASCII).
 */
function property(instance: unknown, part: Part): unknown {
  if (!instance) return undefined;
  if (instance instanceof Map) {
    const exact: unknown = instance.get(part.name);
    if (exact !== undefined) return exact;
    const key = [...(instance.keys() as Iterable<string>)].find((candidate) => candidate.toLowerCase() === part.lower);
    return key === undefined ? undefined : instance.get(key);
  }
  const { name, lower, ascii } = part;
  for (const key in instance as object) {
    if (key === name || ((!ascii || key.length === lower.length) && key.toLowerCase() === lower)) {
      // Only inherited keys follow an inherited one, and Object.keys has none of them.
      return hasOwn.call(instance, key) ? (instance as Record<string, unknown>)[key] : undefined;
    }
  }
  return undefined;
}

/** The expression with its path reads compiled; the same object when there was nothing to compile. */
function compileExpression(expression: AEL.Expression): AEL.Expression {
  if (expression instanceof AEL.Constant) return expression;
  const path = accessorPath(expression);
  if (path !== undefined) return new CompiledPath(expression, path);
  const children = expression.children.map(compileExpression);
  if (children.every((child, index) => child === expression.children[index])) return expression;
  return new AEL.Expression(expression.type, expression.evaluator, ...children);
}

/** The library's Template parts the compiled template is built from (private in its types). */
interface LibraryTemplate {
  _preparedPayload?: unknown;
}

interface LibraryStatics {
  internalTryEvaluateExpression(expression: AEL.Expression, context: ExpansionContext, allowSubstitutions: boolean): AEL.ValueWithError;
}

const LIBRARY = ACData.Template as unknown as LibraryStatics;

/** What `${$_acTemplateVersion}` reads: the library's own answer, asked once. */
const TEMPLATE_VERSION = new ACData.Template({ version: '${$_acTemplateVersion}' }).expand({ $root: {} }) as { version: Record<string, unknown> };

/**
 * The library's evaluation context: the values its expressions read, `$data` falling back to
 * `$root` while no `$data` is set.
 */
class Scope implements ExpansionContext {
  $index: unknown = undefined;
  readonly $_acTemplateVersion = { ...TEMPLATE_VERSION.version };
  /** The `$data` set by the objects being expanded, if any. */
  data: unknown = undefined;
  /** The false `$when`s met, as the library words them when its warnings are asked for. */
  readonly warnings: Array<() => string> = [];

  constructor(
    readonly $root: unknown,
    readonly $host: unknown,
  ) {}

  get $data(): unknown {
    return this.data !== undefined ? this.data : this.$root;
  }
}

/** One node of the template, compiled: its expansion in a scope. */
type Expand = (scope: Scope) => unknown;

/** The library's reserved property names: never copied into the card. */
const RESERVED = new Set(['$data', '$when', '$root', '$index', '$host', '$_acTemplateVersion']);

/** An expression's value, throwing the library's error as its expansion does. */
function evaluated(expression: AEL.Expression, scope: Scope, allowSubstitutions: boolean): unknown {
  const result = LIBRARY.internalTryEvaluateExpression(expression, scope, allowSubstitutions);
  if (result.error) throw new Error(result.error);
  return result.value;
}

/**
 * The library's internalExpand for one node, worked out when the template loads: what kind of
 * node it is, its `$when` and `$data`, its keys. Per card only the data is read, with the
 * library's rules (see internalExpand in adaptivecards-templating's template-engine.js), leaving
 * out nulls and copying every value read out of the data.
 */
function compileNode(node: unknown): Expand {
  if (Array.isArray(node)) return compileArray(node.map(compileNode));
  if (node instanceof CompiledPath && node.startsAtContext) return (scope) => withoutNulls(node.placedFrom(scope));
  if (node instanceof AEL.Expression) return (scope) => withoutNulls(evaluated(node, scope, true));
  if (typeof node === 'object' && node !== null) return compileObject(node as Record<string, unknown>);
  return () => node;
}

function compileArray(items: readonly Expand[]): Expand {
  return (scope) => {
    const expanded: unknown[] = [];
    for (const item of items) {
      const value = item(scope);
      if (value === null) continue;
      // An item repeated over an array (`$data`) gives its copies in place.
      if (Array.isArray(value)) for (const copy of value as unknown[]) expanded.push(copy);
      else expanded.push(value);
    }
    return expanded;
  };
}

function compileObject(node: Record<string, unknown>): Expand {
  const fields = Object.keys(node)
    .filter((key) => !RESERVED.has(key))
    .map((key) => ({ key, expand: compileNode(node[key]) }));
  const build = (scope: Scope): Record<string, unknown> => {
    const result: Record<string, unknown> = {};
    for (const { key, expand } of fields) {
      const value = expand(scope);
      if (value !== undefined && value !== null) setOwn(result, key, value);
    }
    return result;
  };
  const when = node.$when;
  const data = node.$data;
  if (data === undefined && !when) return build;
  const kept = (scope: Scope): boolean => {
    if (!(when instanceof AEL.Expression)) {
      if (!when) return true;
      scope.warnings.push(() => `WARN: ${String(when)} is not an Adaptive Expression. The $when condition has been set to false by default.`);
      return false;
    }
    const result =
      when instanceof CompiledPath && when.startsAtContext
        ? { value: when.readFrom(scope), error: undefined }
        : LIBRARY.internalTryEvaluateExpression(when, scope, false);
    if (!result.value)
      scope.warnings.push(() => `WARN: Unable to parse the Adaptive Expression ${when.toString()}. The $when condition has been set to false by default.`);
    return !result.error && result.value === true;
  };
  return (scope) => {
    const { data: savedData, $index: savedIndex } = scope;
    let contexts: readonly unknown[] = [undefined];
    let repeated = false;
    if (data !== undefined) {
      const value =
        data instanceof CompiledPath && data.startsAtContext ? data.placedFrom(scope) : data instanceof AEL.Expression ? evaluated(data, scope, true) : data;
      repeated = Array.isArray(value);
      contexts = repeated ? (value as unknown[]) : [value];
    }
    const copies: unknown[] = [];
    for (let index = 0; index < contexts.length; index += 1) {
      if (repeated) scope.$index = index;
      if (contexts[index] !== undefined) scope.data = contexts[index];
      if (kept(scope)) copies.push(build(scope));
    }
    scope.data = savedData;
    scope.$index = savedIndex;
    return copies.length === 0 ? null : copies.length === 1 ? copies[0] : copies;
  };
}

/** A template compiled for expansion: the library's Template's `expand` and warnings. */
export interface CompiledTemplate {
  expand(context: { $root: unknown; $host?: unknown }): unknown;
  getLastTemplateExpansionWarnings(): string[];
}

/**
 * `json` parsed by the library, its path reads compiled and its expansion worked out node by
 * node (compileNode), each card a tree of its own without nulls. The parsed form is the
 * library's private `_preparedPayload` and its expressions are evaluated by its private
 * `internalTryEvaluateExpression` (adaptivecards-templating is pinned to one version in
 * package.json): if a release renames them, this throws when the template loads, and
 * test/cards/compiledTemplate.test.ts compares every template with the library's own expansion.
 */
export function compileTemplate(json: unknown): CompiledTemplate {
  const parsed = new ACData.Template(json) as unknown as LibraryTemplate;
  if (!('_preparedPayload' in parsed) || typeof LIBRARY.internalTryEvaluateExpression !== 'function')
    throw new Error('adaptivecards-templating keeps its parsed template or its evaluation elsewhere: cards/compiledTemplate.ts needs updating');
  const expand = compileNode(compilePayload(parsed._preparedPayload));
  let warnings: Array<() => string> = [];
  return {
    expand(context) {
      const scope = new Scope(context.$root, context.$host);
      warnings = scope.warnings;
      return expand(scope);
    },
    getLastTemplateExpansionWarnings: () => warnings.map((warning) => warning()),
  };
}

/** Sets `key` as an own property of `object`: assigning `__proto__` would set the prototype instead. */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

/**
 * `value` as a fresh tree without nulls: arrays lose their null items, objects their null and
 * undefined properties. Plain loops: it walks every node it is given.
 */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value as unknown[]) if (item !== null) items.push(withoutNulls(item));
    return items;
  }
  if (value && typeof value === 'object') {
    const object: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const entry = (value as Record<string, unknown>)[key];
      if (entry === null || entry === undefined) continue;
      setOwn(object, key, withoutNulls(entry));
    }
    return object;
  }
  return value;
}

/** A prepared payload (the library's parsed form) with every expression's path reads compiled. */
function compilePayload(node: unknown): unknown {
  if (node instanceof AEL.Expression) return compileExpression(node);
  if (Array.isArray(node)) return node.map(compilePayload);
  if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, compilePayload(value)]));
  return node;
}
