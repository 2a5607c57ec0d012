import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** The declaration every fleet test file is checked against. */
export const FLEET_SCHEMA_SQL = `
CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL, plan TEXT DEFAULT 'free');
CREATE TABLE notes (id INTEGER PRIMARY KEY, account_id INTEGER, body TEXT);
CREATE INDEX notes_account ON notes(account_id);
CREATE TABLE uploads (id INTEGER PRIMARY KEY, path TEXT UNIQUE, name TEXT);
`;
const UPLOADS = 'CREATE TABLE uploads (id INTEGER PRIMARY KEY, path TEXT UNIQUE, name TEXT);';

/** A reconcile rule for fleet configs: every directory under the tenant's `uploads/` is a row of `uploads`. */
export const UPLOADS_RULE = { table: 'uploads', root: '{databaseDir}/uploads', keyColumn: 'path', settleSeconds: 0, columns: { name: { from: 'directoryName' } } } as const;

/** The states a fixture file can start in. */
export const VARIANTS = {
  inSync: FLEET_SCHEMA_SQL,
  /** `accounts.plan` missing: safe, `ALTER TABLE ADD COLUMN` repairs it. */
  missingColumn: `
CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE notes (id INTEGER PRIMARY KEY, account_id INTEGER, body TEXT);
CREATE INDEX notes_account ON notes(account_id);
${UPLOADS}
INSERT INTO accounts (name) VALUES ('a'), ('b');`,
  /** `notes.body` has INTEGER affinity: unsafe, reported and left alone. */
  unsafe: `
CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL, plan TEXT DEFAULT 'free');
CREATE TABLE notes (id INTEGER PRIMARY KEY, account_id INTEGER, body INTEGER);
CREATE INDEX notes_account ON notes(account_id);
${UPLOADS}`,
} as const;

export type Variant = keyof typeof VARIANTS;

/** Builds one template file per variant under `dir/.templates` (hidden: the fleet glob never lists it). */
export function buildTemplates(dir: string): Record<Variant, string> {
  const templates = join(dir, '.templates');
  mkdirSync(templates, { recursive: true });
  const out = {} as Record<Variant, string>;
  for (const [variant, sql] of Object.entries(VARIANTS) as Array<[Variant, string]>) {
    const path = join(templates, `${variant}.sqlite`);
    const db = new Database(path);
    db.exec(sql);
    db.close();
    out[variant] = path;
  }
  return out;
}

/** Copies a template to `root/<tenant>/app.sqlite` and returns the path. */
export function placeTenant(root: string, tenant: string, template: string): string {
  mkdirSync(join(root, tenant), { recursive: true });
  const path = join(root, tenant, 'app.sqlite');
  copyFileSync(template, path);
  return path;
}

/** A file with a valid SQLite header whose pages are garbage: SQLite reports SQLITE_CORRUPT (or NOTADB). */
export function placeCorrupt(root: string, tenant: string, template: string): string {
  const path = placeTenant(root, tenant, template);
  const db = readFileSync(path);
  db.fill(0xa5, 100, db.length);
  writeFileSync(path, db);
  return path;
}

export function placeNotADatabase(root: string, tenant: string): string {
  mkdirSync(join(root, tenant), { recursive: true });
  const path = join(root, tenant, 'app.sqlite');
  writeFileSync(path, 'this is a text file, not a database\n'.repeat(20));
  return path;
}

const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3');

// Holds a WAL-mode connection open with automatic checkpoints off after running SQL, so the change
// stays in the -wal file and the main file's header is stale until the holder exits.
const WAL_HOLDER = `
const Database = require(process.env.BETTER_SQLITE3);
const db = new Database(process.env.DB_PATH);
db.pragma('journal_mode = WAL');
db.pragma('wal_autocheckpoint = 0');
db.exec(process.env.SQL);
process.stdout.write('done\\n');
process.stdin.once('data', () => process.exit(0));
`;

export interface WalHolder {
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Another process that switched the file to WAL, ran `sql` and keeps it uncheckpointed until `stop()`. */
export function holdWalChange(dbPath: string, sql: string): Promise<WalHolder> {
  const child = spawn(process.execPath, ['-e', WAL_HOLDER], { env: { ...process.env, BETTER_SQLITE3: betterSqlite3, DB_PATH: dbPath, SQL: sql }, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.setEncoding('utf8').once('data', (chunk: string) => {
      if (!chunk.startsWith('done')) return reject(new Error(`wal holder said ${chunk}`));
      resolve({
        child,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
    });
  });
}
