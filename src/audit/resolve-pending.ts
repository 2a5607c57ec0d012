import { lstatSync } from 'node:fs';
import { hostname } from 'node:os';
import { BeneathRoot } from '../db/open-beneath.js';
import { openReadOnly, type DatabaseHandle } from '../db/open-database.js';
import { columnDefinitions } from '../sql/column-definitions.js';
import { schemaFingerprint } from '../plan/schema-fingerprint.js';
import { quoteIdentifier } from '../sql/quote.js';
import { pendingIntents, type AuditChange, type AuditOutcome, type IntentRecord } from './audit-record.js';
import type { AuditJournal } from './audit-journal.js';
import { digestOf, isDigest } from './bound-change.js';
import { DRIFT_KIND_RULES } from '../repair/drift-kind-rules.js';

/** What a start-up resolution did. */
export interface ResolveSummary {
  /** Intents answered from the database (an outcome line written for each). */
  readonly resolved: readonly { readonly id: string; readonly database: string; readonly outcome: AuditOutcome }[];
  /** Intents whose process is still running (settled by it), or whose database could not be read: left for the next start. */
  readonly left: readonly { readonly id: string; readonly database: string; readonly reason: string }[];
}

/** Does `intent`'s change exist in its database? One probe per item, read-only. */
export type ChangeProbe = (intent: IntentRecord) => readonly boolean[];

/**
 * Answers every intent whose process died before writing its outcome (killed
 * right before or right after the commit) by looking at the database: did the
 * column, index, table or row land, does the backup file exist? A change is
 * all-or-nothing per transaction except for the items the engine leaves out
 * inside it, so each item is probed: none present → not applied; some → applied
 * with the absent ones left out. An intent of a process that is still alive on
 * this host is in flight and left alone.
 */
export function resolvePending(journal: AuditJournal, probe: ChangeProbe = probeDatabase, alive: (intent: IntentRecord) => boolean = processAlive): ResolveSummary {
  const resolved: Array<ResolveSummary['resolved'][number]> = [];
  const left: Array<ResolveSummary['left'][number]> = [];
  for (const intent of pendingIntents(journal.read())) {
    if (alive(intent)) {
      left.push({ id: intent.id, database: intent.database, reason: `process ${intent.pid} on ${intent.host} is still running` });
      continue;
    }
    let present: readonly boolean[];
    try {
      present = probe(intent);
    } catch (error) {
      left.push({ id: intent.id, database: intent.database, reason: (error as Error).message });
      continue;
    }
    const outcome: AuditOutcome = present.some(Boolean)
      ? {
          status: 'applied',
          ...(present.every(Boolean) ? {} : { left: present.flatMap((here, item) => (here ? [] : [{ item, reason: 'not in the database when driftd next started' }])) }),
        }
      : { status: 'not-applied', reason: `driftd stopped before the ${intent.change.kind === 'backup' ? 'backup completed' : 'commit'}; nothing of it is in the database` };
    if (journal.writeOutcome({ v: 1, type: 'outcome', id: intent.id, time: new Date().toISOString(), outcome, resolved: 'at-start' })) {
      resolved.push({ id: intent.id, database: intent.database, outcome });
    } else {
      left.push({ id: intent.id, database: intent.database, reason: 'the outcome could not be written' });
    }
  }
  return { resolved, left };
}

/** Same host and the pid answers signal 0 (EPERM means it exists under another user). */
export function processAlive(intent: IntentRecord): boolean {
  if (intent.host !== hostname()) return false;
  if (intent.pid === process.pid) return true;
  try {
    process.kill(intent.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Probes the intent's database read-only (SQLite restores a crashed writer's hot journal first: open-database.ts). */
export const probeDatabase: ChangeProbe = databaseProbe([]);

/**
 * A probe that opens a database below one of `fleetRoots` (the config's fleet roots) beneath that
 * root, never following a link below it — a fleet file is the tenant's, and its directory may have
 * been swapped for a symlink since (issue 14) — and any other database as a single file.
 */
export function databaseProbe(fleetRoots: readonly string[]): ChangeProbe {
  return (intent) => {
    const change = intent.change;
    if (change.kind === 'backup') return [backupExists(change.path)];
    const fleetRoot = fleetRoots
      .filter((root) => intent.database.startsWith(root === '/' ? '/' : `${root}/`))
      .sort((a, b) => b.length - a.length)[0];
    const root = fleetRoot === undefined ? undefined : BeneathRoot.open(fleetRoot);
    try {
      const db = openReadOnly(intent.database, { busyTimeoutMs: 5000, ...(root ? { root } : {}) });
      try {
        return probeChange(db, change);
      } finally {
        db.close();
      }
    } finally {
      root?.release();
    }
  };
}

function probeChange(db: DatabaseHandle, change: Exclude<AuditChange, { kind: 'backup' }>): boolean[] {
  switch (change.kind) {
    case 'rebuild': {
      // One transaction: the schema is exactly the plan's before or its after, every item alike.
      const now = schemaFingerprint(db);
      const items = change.statements.length + 1;
      if (now === change.fingerprint.after) return new Array<boolean>(items).fill(true);
      if (now === change.fingerprint.before) return new Array<boolean>(items).fill(false);
      throw new Error(`the schema of "${change.tables.join('", "')}" matches neither the plan's before nor its after fingerprint (changed since)`);
    }
    case 'repair':
      return change.statements.map((statement) => {
        // Which object the statement leaves behind is its kind's rule's to say (DRIFT_KIND_RULES `audit`).
        const probe = DRIFT_KIND_RULES[statement.drift].audit.probe;
        switch (probe) {
          case 'table':
            return objectExists(db, 'table', statement.table);
          case 'index':
            return objectExists(db, 'index', statement.index ?? '');
          case 'view':
            return objectExists(db, 'view', statement.view ?? '');
          case 'trigger':
            return objectExists(db, 'trigger', statement.trigger ?? '');
          case 'column':
            return db.prepare('SELECT 1 FROM pragma_table_xinfo(?) WHERE name = ? COLLATE NOCASE').get(statement.table, statement.column ?? '') !== undefined;
          case 'not-null':
            return db.prepare('SELECT 1 FROM pragma_table_xinfo(?) WHERE name = ? COLLATE NOCASE AND "notnull" = ?').get(statement.table, statement.column ?? '', statement.notNull ? 1 : 0) !== undefined;
          case 'check-added':
          case 'check-dropped': {
            const row = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE").get(statement.table) as { sql: string } | undefined;
            const present = row !== undefined && columnDefinitions(row.sql).checks.some((check) => check.normalized === statement.check);
            // The table is looked up by its name after the repair: absent, nothing of the repair is there.
            return row !== undefined && (probe === 'check-dropped' ? !present : present);
          }
          default:
            return assertNever(probe);
        }
      });
    case 'recover': {
      const table = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE").get(change.table);
      if (table === undefined) return change.rows.map(() => false);
      const statement = db.prepare(`SELECT 1 FROM ${quoteIdentifier(change.table)} WHERE ${quoteIdentifier(change.keyColumn)} = ? LIMIT 1`);
      // A long key is journalled as its digest: look among the keys of its length for one with that digest.
      const sameLength = db.prepare(`SELECT ${quoteIdentifier(change.keyColumn)} AS k FROM ${quoteIdentifier(change.table)} WHERE typeof(${quoteIdentifier(change.keyColumn)}) = 'text' AND length(CAST(${quoteIdentifier(change.keyColumn)} AS BLOB)) = ?`);
      return change.rows.map((row) => {
        const key = row.key;
        if (!isDigest(key)) return statement.get(key) !== undefined;
        return (sameLength.all(key.bytes) as Array<{ k: string }>).some((candidate) => digestOf(candidate.k).digest === key.digest);
      });
    }
    default:
      return assertNever(change);
  }
}

function objectExists(db: DatabaseHandle, type: 'table' | 'index' | 'view' | 'trigger', name: string): boolean {
  return db.prepare('SELECT 1 FROM sqlite_schema WHERE type = ? AND name = ? COLLATE NOCASE').get(type, name) !== undefined;
}

function backupExists(path: string): boolean {
  try {
    const stats = lstatSync(path);
    return stats.isFile() && stats.size > 0;
  } catch {
    return false;
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled audit change ${JSON.stringify(value)}`);
}
