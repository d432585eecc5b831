import * as AC from 'adaptivecards';

// Validates a card against Adaptive Cards 1.5 with the official `adaptivecards` renderer library
// (no DOM needed for parsing): every parse and validation event is a problem, and so is any
// property the library's schema for that element or action doesn't know (the parser would drop
// it silently), any element or action newer than 1.5, and every `fallback` action, parsed on its own.

/** Keys every typed object may carry besides its schema's properties. */
const COMMON_KEYS = new Set(['type', 'fallback', 'requires']);
/** Collections the library parses in code rather than through its property schema. */
const COLLECTION_KEYS: Record<string, readonly string[]> = {
  Container: ['items'],
  Column: ['items'],
  ColumnSet: ['columns'],
  ActionSet: ['actions'],
  ImageSet: ['images'],
  Table: ['columns', 'rows'],
  TableRow: ['cells'],
  TableCell: ['items'],
  'Action.ShowCard': ['card'],
};

/** Types that only appear inside a parent, so the registry doesn't list them. */
const NESTED_TYPES: Record<string, () => AC.SerializableObject> = {
  Column: () => new AC.Column(),
  TableRow: () => new AC.TableRow(),
  TableCell: () => new AC.TableCell(),
};

const knownProperties = new Map<string, Set<string>>();

function propertiesOf(typeName: string): Set<string> | undefined {
  const cached = knownProperties.get(typeName);
  if (cached) return cached;
  const registration = AC.GlobalRegistry.elements.findByName(typeName) ?? AC.GlobalRegistry.actions.findByName(typeName);
  const nested = NESTED_TYPES[typeName];
  if (!registration && !nested) return undefined;
  if (registration && (registration.schemaVersion.major > 1 || registration.schemaVersion.minor > 5)) return undefined;
  const schema = (registration ? new registration.objectType() : nested!()).getSchema();
  const names = new Set<string>();
  for (let index = 0; index < schema.getCount(); index++) names.add(schema.getItemAt(index).name);
  for (const key of COLLECTION_KEYS[typeName] ?? []) names.add(key);
  knownProperties.set(typeName, names);
  return names;
}

export function validateAdaptiveCard(card: unknown): string[] {
  const problems: string[] = [];
  if (!card || typeof card !== 'object') return ['not an object'];
  const root = card as Record<string, unknown>;
  if (root.type !== 'AdaptiveCard') problems.push('type is not AdaptiveCard');
  if (root.version !== '1.5') problems.push(`version is ${String(root.version)}, not 1.5`);
  problems.push(...parseProblems(root));
  walk(root, '$', problems);
  return problems;
}

function parseProblems(json: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(json, context);
  for (let index = 0; index < context.eventCount; index++) problems.push(`parse: ${context.getEventAt(index).message}`);
  const results = parsed.validateProperties();
  for (const event of results.validationEvents) problems.push(`validate: ${event.message}`);
  return problems;
}

function walk(value: unknown, path: string, problems: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => walk(item, `${path}[${index}]`, problems));
    return;
  }
  if (!value || typeof value !== 'object') return;
  const object = value as Record<string, unknown>;
  const type = typeof object.type === 'string' ? object.type : undefined;
  if (type && type !== 'AdaptiveCard') {
    const known = propertiesOf(type);
    if (!known) problems.push(`${path}: unknown or post-1.5 type ${type}`);
    else {
      for (const key of Object.keys(object)) {
        if (!known.has(key) && !COMMON_KEYS.has(key)) problems.push(`${path}: ${type} has no property "${key}"`);
      }
    }
  }
  for (const [key, entry] of Object.entries(object)) {
    // data payloads are free-form JSON: nothing in them is a card object.
    if (key === 'data') continue;
    if (key === 'fallback' && entry && typeof entry === 'object') {
      const wrapper = { type: 'AdaptiveCard', version: '1.5', actions: [entry] };
      for (const problem of parseProblems(wrapper)) problems.push(`${path}.fallback: ${problem}`);
    }
    walk(entry, `${path}.${key}`, problems);
  }
}
