import { parseArgs } from 'node:util';
import type { AuditEntry } from '../audit/audit-record.js';
import { parseSince, SINCE_FORMS } from '../audit/parse-since.js';
import { loadConfig } from '../config/load-config.js';
import { configProblemsError } from '../config/parse-config.js';
import { resolve } from 'node:path';
import { cliJournal } from './cli-journal.js';
import { EXIT, usageError, type CliIo, type ExitCode } from './cli-io.js';

export const OPTIONS = {
  config: { type: 'string' },
  target: { type: 'string' },
  since: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** Printed at most, newest kept, unless --limit says otherwise. */
const DEFAULT_LIMIT = 1000;

/**
 * `driftd history [--config FILE] [--target NAME] [--since TIME] [--limit N] [--json]`:
 * prints the audit trail, oldest first — each repair statement, recovered row
 * and backup with its time, target, database, cycle and outcome. Reads only.
 * Without --config it reads the journal of `--db/--schema` commands.
 * Exit 0 (also when empty), 2 on error.
 */
export async function historyCommand(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let values;
  try {
    values = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw usageError(`driftd history: ${(error as Error).message}`);
  }
  const since = values.since === undefined ? undefined : sinceOption(values.since, new Date());
  const limit = values.limit === undefined ? DEFAULT_LIMIT : parseLimit(values.limit);
  let config = null;
  if (values.config !== undefined) {
    const loaded = loadConfig(values.config, io.env);
    if (!loaded.ok) throw configProblemsError(resolve(values.config), loaded.problems);
    config = loaded.config;
  }
  const journal = cliJournal(config, io.env);
  const entries = journal.entries({ ...(values.target !== undefined ? { target: values.target } : {}), ...(since ? { since } : {}), limit });
  if (values.json) {
    io.stdout(`${JSON.stringify({ journal: journal.path, entries })}\n`);
    return EXIT.ok;
  }
  if (entries.length === 0) {
    io.stdout(`no audit entries${values.target !== undefined ? ` for target "${values.target}"` : ''}${since ? ` since ${since.toISOString()}` : ''} in ${journal.path}\n`);
    return EXIT.ok;
  }
  io.stdout(entries.map(entryText).join(''));
  return EXIT.ok;
}

/** One entry: a heading line (when, who, what kind, outcome) and what changed, indented. */
export function entryText(entry: AuditEntry): string {
  const who = entry.cycle === null ? entry.source : `cycle ${entry.cycle}`;
  const outcome = entry.outcome + (entry.resolved ? ' (resolved at start)' : '') + (entry.reason ? `: ${entry.reason}` : '');
  const lines = [`${entry.time}  ${entry.target}  ${who}  ${entry.kind}  ${outcome}`, `  database ${entry.database}`];
  switch (entry.kind) {
    case 'repair':
      lines.push(`  ${entry.sql}`);
      break;
    case 'recover':
      lines.push(`  ${entry.table}: ${entry.keyColumn}=${JSON.stringify(entry.key)} (directory ${JSON.stringify(entry.directory)})`);
      lines.push(`  ${Object.entries(entry.values ?? {}).map(([column, value]) => `${column}=${JSON.stringify(value)}`).join(' ')}`);
      break;
    case 'backup':
      lines.push(`  copy ${entry.path}`);
      break;
    default: {
      const never: never = entry.kind;
      throw new Error(`unhandled entry kind ${String(never)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** --since: see parseSince (audit/parse-since.ts). */
export function sinceOption(text: string, now: Date): Date {
  const since = parseSince(text, now);
  if (since === null) throw usageError(`--since takes ${SINCE_FORMS}, got "${text}"`);
  return since;
}

function parseLimit(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw usageError(`--limit takes a positive count of entries, got "${text}"`);
  return value;
}
