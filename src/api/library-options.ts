import type { AuditSink } from '../audit/audit-sink.js';
import type { ColumnOrderPolicy } from '../diff/diff.js';
import { DriftdError } from '../errors/driftd-error.js';

/** Where the library records what it changes; none unless given (docs/library.md, "Audit journal"). */
export interface AuditOptions {
  /** The journal's directory (created on the first write); driftd's own, outside every database. */
  readonly dir: string;
  /** Names the application in each entry (`driftd history --target`); default "library". */
  readonly target?: string;
  /** Rotate the journal file at this size; default 8 MiB. */
  readonly maxBytes?: number;
  /** Rotated files kept; default 5. */
  readonly keep?: number;
}

/** Copies taken with SQLite's backup API before the first change; none unless given. */
export interface BackupOptions {
  readonly dir: string;
  /** Copies per database kept; default 5. */
  readonly keep?: number;
}

/** The only output the library has besides its return value: nothing is logged unless one is given (`console` fits). */
export interface DriftdLogger {
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/**
 * The library's defaults: the config's (src/config/config-format.ts, the one home of defaults), written
 * here because the library loads no config parser; test/config/defaults-without-config.test.ts fails
 * when they differ from the format's.
 */
export const LIBRARY_DEFAULTS = { busyTimeoutMs: 5000, backupKeep: 5, auditMaxBytes: 8 * 1024 * 1024, auditKeep: 5 } as const;

export const DEFAULT_BUSY_TIMEOUT_MS = LIBRARY_DEFAULTS.busyTimeoutMs;

export function busyTimeoutOf(value: number | undefined): number {
  if (value === undefined) return DEFAULT_BUSY_TIMEOUT_MS;
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw new DriftdError('OPTIONS_INVALID', `busyTimeoutMs must be a whole number of milliseconds, got ${String(value)}`, { where: { option: 'busyTimeoutMs' } });
  }
  return value;
}

/** The `columnOrder` option: whether column order is compared (docs/library.md); default "report". */
export function columnOrderOf(value: unknown): ColumnOrderPolicy {
  if (value === undefined || value === 'report' || value === 'ignore') return value ?? 'report';
  throw new DriftdError('OPTIONS_INVALID', `columnOrder must be "report" or "ignore", got ${JSON.stringify(value)}`, { where: { option: 'columnOrder' } });
}

export function requirePath(value: unknown, option: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new DriftdError('OPTIONS_INVALID', `\`${option}\` must be a file path`, { where: { option } });
  }
  return value;
}

/**
 * An audit sink on the journal in `options.dir`, after answering the intents a killed run left
 * there (as the CLI does before it writes); null when no journal was configured.
 */
export async function auditSinkFor(options: AuditOptions | undefined, database: string): Promise<AuditSink | null> {
  if (options === undefined) return null;
  const dir = requirePath(options.dir, 'audit.dir');
  const [{ AuditJournal }, { resolvePending }] = await Promise.all([import('../audit/audit-journal.js'), import('../audit/resolve-pending.js')]);
  const journal = new AuditJournal({ dir, maxBytes: options.maxBytes ?? LIBRARY_DEFAULTS.auditMaxBytes, keep: options.keep ?? LIBRARY_DEFAULTS.auditKeep });
  resolvePending(journal);
  return journal.sink({ target: options.target ?? 'library', database, cycle: null, source: 'library' });
}
