import type { ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import { translator } from '../i18n/index.js';
import { isMessageKey } from '../i18n/index.js';

// The shape of an operator command (src/cli/index.ts runs them). A command first turns its
// arguments into an input, refusing bad ones before any database is touched; then it runs on the
// database of this checkout's server. Exit codes: 0 done, 1 refused (nothing changed: no such
// member, already so), 2 bad usage or input, 3 the server's database cannot be found.

export const EXIT = { ok: 0, refused: 1, usage: 2, noDatabase: 3 } as const;

export type Values = Record<string, string | boolean | undefined>;

export type Deps = {
  db: Db;
  url: string;
  config: Config;
  now: Date;
  out: (line: string) => void;
  err: (line: string) => void;
};

export type Command<I = unknown> = {
  /** As typed after `npm run ashiato --`: 'member create'. */
  name: string;
  /** Arguments after the name, for the usage line. */
  args: string;
  summary: string;
  /** More lines for `<command> --help`. */
  help: string[];
  options?: NonNullable<ParseArgsConfig['options']>;
  /** Whether it changes the database (and so writes an audit row). */
  changes: boolean;
  /** The input, or the lines saying what is wrong with the arguments. */
  input(positionals: string[], values: Values): Promise<{ ok: true; input: I } | { ok: false; errors: string[] }>;
  run(deps: Deps, input: I): Promise<number>;
};

export function defineCommand<I>(c: Command<I>): Command<I> {
  return c;
}

/** The audit reason of a command: who did it (no staff member: the command line) and why. */
export function auditReason(command: string, why?: string): string {
  return `npm run ashiato -- ${command}${why ? `: ${why}` : ''}`;
}

const en = translator('en');

/** zod issues as `field: message` lines, messages from the English catalog (the forms' own words). */
export function issueLines(error: z.ZodError, names: Record<string, string> = {}): string[] {
  return error.issues.map((issue) => {
    const field = String(issue.path[0] ?? 'input');
    const message = isMessageKey(issue.message) ? en(issue.message) : issue.message;
    return `${names[field] ?? field}: ${message}`;
  });
}

/** A positive member id, or null. */
/** The one positional argument of a command about a member: its id, or null (then say ONE_MEMBER_ID). */
export function oneMemberId(positionals: string[]): number | null {
  return positionals.length === 1 ? memberId(positionals[0]) : null;
}

export const ONE_MEMBER_ID = '<member id>: expected one member id (a positive number)';

export function memberId(arg: string | undefined): number | null {
  if (!arg || !/^\d{1,15}$/.test(arg)) return null;
  const id = Number(arg);
  return id > 0 ? id : null;
}
