import { DomainError, publicError, type FieldIssue } from '../../services/errors.js';
import type { Translator } from './i18n.js';
import { literal } from '../markdown.js';

// Turns a domain error into a sentence in the reader's language. Unknown errors get a generic
// message: the details belong in the log, not in front of the user.

export function describeError(translator: Translator, reported: unknown): string {
  const error = publicError(reported);
  if (!(error instanceof DomainError)) return translator.t('errors.unexpected');
  const { code, params } = error;
  if (code === 'validation' || code === 'incomplete') {
    const issues = (params.issues as readonly FieldIssue[] | undefined) ?? [];
    return translator.t(`errors.${code}`, { issues: describeIssues(translator, issues) });
  }
  if (code === 'window-closed' && (params.window === 'consent' || params.window === 'dispute')) {
    return translator.t(`errors.window-closed-${params.window}`);
  }
  if (code === 'delegation-invalid' && typeof params.problem === 'string') {
    return translator.t(`errors.delegation-invalid-${params.problem}`, { days: typeof params.days === 'number' ? params.days : 0 });
  }
  const values: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(params)) {
    // Parameters may echo what a caller sent (a claim id, a forged field name): shown literally.
    if (typeof value === 'string') values[name] = literal(value);
    else if (typeof value === 'number') values[name] = value;
  }
  if (typeof params.status === 'string') values.status = translator.t(`claims.status.${params.status}`);
  return translator.t(`errors.${code}`, values);
}

export function describeIssues(translator: Translator, issues: readonly FieldIssue[]): string {
  return translator.formatList(
    issues.map((issue) => {
      const root = issue.field.split('.')[0] ?? issue.field;
      const field = translator.has(`fields.${root}`) ? translator.t(`fields.${root}`) : literal(issue.field);
      return translator.t(`fields.problems.${issue.problem}`, { field });
    }),
  );
}
