import type { SqlConnection } from '../db/sql-connection.js';
import { DriftdError } from '../errors/driftd-error.js';

/**
 * The subset of a better-sqlite3 `Database` that `ensureSchema` uses on the application's own
 * connection: statements, `exec`, and the flags that say whether it may be used now. Structural,
 * so the public types do not depend on `@types/better-sqlite3`.
 */
export interface ApplicationConnection extends SqlConnection {
  readonly open: boolean;
  readonly readonly: boolean;
  /** The file name it was opened with (`:memory:` or '' for a private database). */
  readonly name: string;
  /** better-sqlite3's online backup, used only when `backup` is configured. */
  backup?(destination: string): Promise<unknown>;
}

export function isApplicationConnection(value: unknown): value is ApplicationConnection {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof ApplicationConnection, unknown>>;
  return typeof candidate.prepare === 'function' && typeof candidate.exec === 'function' && typeof candidate.inTransaction === 'boolean' && typeof candidate.open === 'boolean';
}

/** How reports and errors name the connection's database. */
export function connectionLabel(connection: ApplicationConnection): string {
  return connection.name === '' || connection.name === ':memory:' ? `(in-memory database ${connection.name === '' ? 'temporary' : ':memory:'})` : connection.name;
}

/**
 * Refuses a connection that cannot be checked as it is: closed, or inside a transaction the
 * application opened (a repair's BEGIN IMMEDIATE there would fail, and reading the schema inside
 * someone else's transaction would see uncommitted DDL).
 */
export function assertUsable(connection: ApplicationConnection, label: string): void {
  if (!connection.open) {
    throw new DriftdError('CONNECTION_NOT_USABLE', `the connection to "${label}" is closed`, { where: { file: label }, hint: 'call ensureSchema after opening the database, before closing it' });
  }
  if (connection.inTransaction) {
    throw new DriftdError('CONNECTION_IN_TRANSACTION', `the connection to "${label}" is inside a transaction; nothing was read or changed`, {
      where: { file: label },
      hint: 'call ensureSchema at start-up, before the application begins a transaction (or after it commits)',
    });
  }
}

/** True when SQLite refused a statement because the connection does not accept "…" as a string (src/errors/result-codes.ts). */
export { isDqsRefusal } from '../errors/result-codes.js';
