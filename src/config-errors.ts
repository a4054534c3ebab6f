import fs from 'node:fs';
import type { z } from 'zod';

// What an operator sees when a setting is wrong: one line per variable, naming what was expected
// and what was given (`PORT: expected an integer from 1 to 65535, got "abc"`), never a stack or
// zod's JSON, and never the value of a secret. The server and the CLI print `lines` and exit 1.

export class ConfigError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'ConfigError';
  }
}

/**
 * Variables that may instead be given as `X_FILE`, naming a file whose content (trimmed) is the
 * value: Docker secrets and other mounted files. They are secrets, too: an error never shows them.
 */
export const FILE_VARIABLES = [
  'SESSION_SECRET',
  'TWILIO_AUTH_TOKEN',
  'DATABASE_URL',
  'DATABASE_APP_URL',
  'DATABASE_READ_URL',
  'SMS_HTTP_AUTH_HEADER',
  'SMS_HTTP_URL',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
];

/** The environment with each `X_FILE` read into `X`, and one line per variable that could not be. */
export function readFileVariables(
  env: NodeJS.ProcessEnv,
  names: readonly string[] = FILE_VARIABLES,
): { env: NodeJS.ProcessEnv; problems: string[] } {
  const out: NodeJS.ProcessEnv = { ...env };
  const problems: string[] = [];
  for (const name of names) {
    const file = env[`${name}_FILE`];
    // Empty counts as unset: compose writes `X_FILE: ${X_FILE:-}`, and a cluster worker gets the
    // primary's resolved values with the file variables cleared.
    if (!file) continue;
    if (env[name]) {
      problems.push(`${name}: set either ${name} or ${name}_FILE, not both`);
      continue;
    }
    let value: string;
    try {
      value = fs.readFileSync(file, 'utf8').trim();
    } catch (err) {
      problems.push(
        `${name}_FILE: cannot read ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
      continue;
    }
    if (!value) problems.push(`${name}_FILE: the file ${JSON.stringify(file)} is empty`);
    else out[name] = value;
  }
  return { env: out, problems };
}

/** One line per variable zod refused (its first issue), described from the variable's schema. */
export function describeIssues(shape: Record<string, z.ZodType>, error: z.ZodError, env: NodeJS.ProcessEnv): string[] {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const issue of error.issues) {
    const name = String(issue.path[0] ?? '');
    if (!name || seen.has(name)) continue;
    seen.add(name);
    const expected = shape[name] ? expectation(shape[name]) : issue.message;
    lines.push(`${name}: ${expected}, got ${shown(name, env[name])}`);
  }
  return lines;
}

/** The value as given, quoted; a secret only by its length. */
export function shown(name: string, value: string | undefined): string {
  if (value === undefined) return 'nothing';
  if (FILE_VARIABLES.includes(name)) return `a value of ${[...value].length} characters (not shown)`;
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

type Introspected = {
  unwrap?: () => Introspected;
  def?: { type?: string; innerType?: Introspected };
  _zod?: { def?: { type?: string; innerType?: Introspected } };
  minValue?: number | null;
  maxValue?: number | null;
  isInt?: boolean;
  minLength?: number | null;
  maxLength?: number | null;
  format?: string | null;
  options?: readonly unknown[];
};

/** "expected …" read off the schema: bounds, length, choices, format. */
export function expectation(schema: z.ZodType): string {
  let s = schema as unknown as Introspected;
  // Through .default() / .optional() to the type itself.
  for (let i = 0; i < 5 && s._zod?.def?.innerType; i++) s = s._zod.def.innerType;
  const type = s._zod?.def?.type;
  if (type === 'number') {
    const what = s.isInt ? 'an integer' : 'a number';
    const min =
      s.minValue != null && Number.isFinite(s.minValue) && Math.abs(s.minValue) < Number.MAX_SAFE_INTEGER
        ? s.minValue
        : null;
    const max =
      s.maxValue != null && Number.isFinite(s.maxValue) && Math.abs(s.maxValue) < Number.MAX_SAFE_INTEGER
        ? s.maxValue
        : null;
    if (min !== null && max !== null) return `expected ${what} from ${min} to ${max}`;
    if (min !== null) return `expected ${what} of at least ${min}`;
    if (max !== null) return `expected ${what} of at most ${max}`;
    return `expected ${what}`;
  }
  if (type === 'enum') return `expected one of ${(s.options ?? []).join(', ')}`;
  if (type === 'string') {
    if (s.format === 'url') return 'expected a URL (such as https://example.jp)';
    if (s.minLength && s.maxLength) return `expected ${s.minLength} to ${s.maxLength} characters`;
    if (s.minLength) return `expected at least ${s.minLength} characters`;
    if (s.maxLength) return `expected at most ${s.maxLength} characters`;
    return 'expected text';
  }
  return 'expected a valid value';
}

/** The lines to print when loading the settings failed: any error there is the operator's to fix. */
export function configErrorLines(err: unknown): string[] {
  if (err instanceof ConfigError) return err.lines;
  return [err instanceof Error ? err.message : String(err)];
}

export const CONFIG_ERROR_HEADING = 'Ashiato cannot start: these settings are wrong (README.md, "Configuration"):';
