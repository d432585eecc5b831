import type { z } from 'zod';

// Every module that reads the environment does it the same way: parse with its zod schema once
// at start, and on failure name each bad variable with what was expected. Secrets are never
// echoed back.

// DATABASE_URL may carry a password.
const SECRET_NAME = /SECRET|PASSWORD|KEY|DATABASE_URL/i;

export class ConfigurationError extends Error {
  constructor(
    readonly area: string,
    readonly problems: string[],
  ) {
    super(`${area} configuration is not valid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

export function parseEnvironment<S extends z.ZodType>(schema: S, environment: NodeJS.ProcessEnv, area: string): z.output<S> {
  const parsed = schema.safeParse(environment);
  if (parsed.success) return parsed.data;
  throw new ConfigurationError(
    area,
    parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      const value = SECRET_NAME.test(name) ? undefined : environment[name];
      return `${name}${value === undefined ? '' : `="${value}"`}: ${issue.message}`;
    }),
  );
}
