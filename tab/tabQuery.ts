import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { PROGRAMS } from '../services/catalogue.js';
import { TABLE_SORTS, type TableFilter, type TableOrder } from '../services/claimTable.js';
import { STATUSES } from '../services/model.js';

// The tab API's query parameters, checked with zod: unknown parameters, bad values and repeated
// ones are refused with the parameter's name (the caller shows it in the reader's language).

export class ParameterError extends Error {
  constructor(readonly parameter: string) {
    super(`bad query parameter ${parameter}`);
    this.name = 'ParameterError';
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;
const empty = (value: unknown) => (value === '' ? undefined : value);
const day = z.preprocess(empty, z.iso.date().optional());
/** Every request may carry these: the language, and the local mode's identity (tabAuth.ts). */
const COMMON = { lang: z.string().max(35).optional(), user: z.string().max(200).optional(), tenant: z.string().max(64).optional() };

export const ClaimQuerySchema = z
  .object({
    ...COMMON,
    text: z.preprocess(empty, z.string().max(100).optional()),
    /** One status or several, separated by commas. */
    status: z.preprocess(
      (value) => (typeof value === 'string' && value ? value.split(',') : undefined),
      z.array(z.enum(STATUSES)).max(STATUSES.length).optional(),
    ),
    program: z.preprocess(empty, z.enum(PROGRAMS).optional()),
    customer: z.preprocess(empty, z.string().max(100).optional()),
    deadlineBefore: day,
    deadlineAfter: day,
    sort: z.preprocess(empty, z.enum(TABLE_SORTS).default('changed')),
    direction: z.preprocess(empty, z.enum(['asc', 'desc']).default('desc')),
    page: z.preprocess(empty, z.coerce.number().int().min(1).max(100_000).default(1)),
    pageSize: z.preprocess(empty, z.coerce.number().int().min(1).max(200).default(25)),
    format: z.preprocess(empty, z.enum(['csv', 'xlsx']).default('csv')),
  })
  .strict()
  .transform((query) => {
    const filter: TableFilter = {
      ...(query.status ? { statuses: query.status } : {}),
      ...(query.program ? { program: query.program } : {}),
      ...(query.customer ? { customer: query.customer } : {}),
      // Before a day: earlier than its start; after a day: later than its end (UTC).
      ...(query.deadlineBefore ? { deadlineBefore: new Date(`${query.deadlineBefore}T00:00:00.000Z`) } : {}),
      ...(query.deadlineAfter ? { deadlineAfter: new Date(Date.parse(`${query.deadlineAfter}T00:00:00.000Z`) + DAY_MS - 1) } : {}),
    };
    const order: TableOrder = { sort: query.sort, direction: query.direction };
    return { text: query.text, filter, ...order, page: query.page, pageSize: query.pageSize, format: query.format };
  });
export type ClaimQuery = z.output<typeof ClaimQuerySchema>;

export const StatisticsQuerySchema = z.object({ ...COMMON, from: day, to: day }).strict();

export function parseQuery<S extends z.ZodType>(schema: S, req: IncomingMessage): z.output<S> {
  const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const values: Record<string, string> = {};
  for (const [name, value] of params) {
    if (name in values) throw new ParameterError(name.slice(0, 40));
    values[name] = value;
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.code === 'unrecognized_keys' ? issue.keys[0] : issue?.path[0];
    throw new ParameterError(String(name ?? '?').slice(0, 40));
  }
  return parsed.data;
}
