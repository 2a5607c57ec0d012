import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { AuditJournal } from '../../src/audit/audit-journal.js';
import { journalEntries, parseRecord, type IntentRecord } from '../../src/audit/audit-record.js';
import { resolvePending } from '../../src/audit/resolve-pending.js';
import { checkDatabase } from '../../src/check/check-database.js';
import { loadDeclaredSchema } from '../../src/declared/load-declared-schema.js';
import { DriftdError } from '../../src/errors/driftd-error.js';
import { createDatabase, tempDir } from '../support/temp-db.js';

const dir = tempDir('driftd-audit-');
let counter = 0;
const journalIn = (options: { maxBytes?: number; keep?: number } = {}) => new AuditJournal({ dir: join(dir, `journal-${++counter}`), maxBytes: options.maxBytes ?? 1 << 20, keep: options.keep ?? 2 });
const context = { target: 'app', database: '/db/app.sqlite', cycle: 7, source: 'daemon' as const };

describe('AuditJournal', () => {
  it('writes an intent then an outcome per change; entries expand to one per statement, row and backup', () => {
    const journal = journalIn();
    const sink = journal.sink(context);
    const repair = sink.intend({ kind: 'repair', statements: [
      { sql: 'ALTER TABLE t ADD COLUMN a INTEGER;', drift: 'missing_column', table: 't', column: 'a' },
      { sql: 'CREATE UNIQUE INDEX u ON t(a);', drift: 'missing_index', table: 't', index: 'u' },
    ] });
    sink.settle(repair, { status: 'applied', left: [{ item: 1, reason: 'duplicates' }] });
    const rows = sink.intend({ kind: 'recover', rule: 'models', table: 't', keyColumn: 'path', rows: [{ directory: 'm1', key: '/m/m1', values: { path: '/m/m1', n: 1 } }] });
    sink.settle(rows, { status: 'not-applied', reason: 'rolled back: boom' });
    sink.intend({ kind: 'backup', path: '/b/app.bak' });
    const lines = readFileSync(journal.path, 'utf8').trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line).type)).toEqual(['intent', 'outcome', 'intent', 'outcome', 'intent']);
    expect(journal.entries().map((entry) => [entry.kind, entry.outcome, entry.reason ?? null, entry.cycle])).toEqual([
      ['repair', 'applied', null, 7],
      ['repair', 'not-applied', 'duplicates', 7],
      ['recover', 'not-applied', 'rolled back: boom', 7],
      ['backup', 'pending', null, 7],
    ]);
    expect(journal.entries()[2]).toMatchObject({ key: '/m/m1', values: { path: '/m/m1', n: 1 }, directory: 'm1', target: 'app', database: '/db/app.sqlite' });
  });

  it('rotates by size before an intent, keeps `keep` old files, and readers join across files', () => {
    const journal = journalIn({ maxBytes: 600, keep: 2 });
    const sink = journal.sink(context);
    for (let i = 0; i < 12; i++) sink.settle(sink.intend({ kind: 'backup', path: `/b/${i}.bak` }), { status: 'applied' });
    const files = readdirSync(journal.options.dir).sort();
    expect(files).toHaveLength(3);
    expect(files.at(-1)).toBe('audit.jsonl');
    for (const name of files.slice(0, 2)) expect(name).toMatch(/^audit\.\d{4}-\d{2}-\d{2}T[0-9-]+Z-\d+-[0-9a-z]+\.jsonl$/);
    const entries = journal.entries();
    // The oldest went with the dropped file; what is kept is complete and in order.
    expect(entries.length).toBeLessThan(12);
    expect(entries.at(-1)).toMatchObject({ path: '/b/11.bak', outcome: 'applied' });
    expect(entries.every((entry) => entry.outcome === 'applied')).toBe(true);
    const paths = entries.map((entry) => Number(/\/(\d+)\.bak/.exec(entry.path!)![1]));
    expect(paths).toEqual([...paths].sort((a, b) => a - b));
    // The newest few are read from the newest file only: an unreadable oldest file does not matter to them.
    const oldest = join(journal.options.dir, files[0]!);
    rmSync(oldest);
    symlinkSync('/etc/passwd', oldest);
    expect(journal.entries({ limit: 2 }).map((entry) => entry.path)).toEqual(['/b/10.bak', '/b/11.bak']);
    expect(() => journal.entries()).toThrow(files[0]!);
  });

  it('four processes appending and rotating the same journal at once lose no entry', async () => {
    const journalDir = join(dir, 'shared-journal');
    const writer = `
      const { AuditJournal } = await import(process.argv[1] + '/audit/audit-journal.js');
      const journal = new AuditJournal({ dir: process.argv[2], maxBytes: 2048, keep: 1000 });
      const sink = journal.sink({ target: 'w' + process.argv[3], database: '/db', cycle: null, source: 'cli' });
      for (let i = 0; i < 150; i++) sink.settle(sink.intend({ kind: 'backup', path: '/b/' + process.argv[3] + '-' + i }), { status: 'applied' });
    `;
    const dist = join(__dirname, '../../dist');
    const children = [0, 1, 2, 3].map((n) => spawn(process.execPath, ['--input-type=module', '-e', writer, dist, journalDir, String(n)], { stdio: 'inherit' }));
    await Promise.all(children.map((child) => new Promise((done) => child.on('exit', done))));
    const journal = new AuditJournal({ dir: journalDir, maxBytes: 2048, keep: 1000 });
    const entries = journal.entries();
    expect(readdirSync(journalDir).length).toBeGreaterThan(10);
    expect(entries.filter((entry) => entry.outcome === 'applied')).toHaveLength(600);
    expect(new Set(entries.map((entry) => entry.path)).size).toBe(600);
  });

  it('a line torn by a kill is skipped, and the next record starts on a line of its own', () => {
    const journal = journalIn();
    const sink = journal.sink(context);
    sink.settle(sink.intend({ kind: 'backup', path: '/b/1.bak' }), { status: 'applied' });
    appendFileSync(journal.path, '{"v":1,"type":"intent","id":"torn","ti');
    sink.settle(sink.intend({ kind: 'backup', path: '/b/2.bak' }), { status: 'applied' });
    expect(journal.entries().map((entry) => entry.path)).toEqual(['/b/1.bak', '/b/2.bak']);
    expect(readFileSync(journal.path, 'utf8').split('\n').filter((line) => line !== '' && parseRecord(line) === null)).toHaveLength(1);
  });

  it('refuses a symlink planted as the journal: the intent fails with AUDIT_WRITE_FAILED and the target is untouched', () => {
    const journal = journalIn();
    mkdirSync(journal.options.dir, { recursive: true });
    const victim = join(dir, `victim-${counter}`);
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, journal.path);
    let error: unknown;
    try {
      journal.sink(context).intend({ kind: 'backup', path: '/b/x.bak' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DriftdError);
    expect((error as DriftdError).code).toBe('AUDIT_WRITE_FAILED');
    expect((error as DriftdError).message).toContain(journal.path);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(() => journal.read()).toThrow(/AUDIT|cannot be read|ELOOP|symbolic/i);
  });

  it('filters by target and time, newest `limit` kept', () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const journal = new AuditJournal({ dir: join(dir, 'filter'), maxBytes: 1 << 20, keep: 1, now: () => now });
    for (const [target, minute] of [['a', 0], ['b', 1], ['a', 2], ['a', 3]] as const) {
      now = new Date(Date.UTC(2026, 0, 1, 0, minute));
      const sink = journal.sink({ ...context, target });
      sink.settle(sink.intend({ kind: 'backup', path: `/b/${target}${minute}` }), { status: 'applied' });
    }
    expect(journal.entries({ target: 'a' }).map((entry) => entry.path)).toEqual(['/b/a0', '/b/a2', '/b/a3']);
    expect(journal.entries({ since: new Date('2026-01-01T00:01:30Z') }).map((entry) => entry.path)).toEqual(['/b/a2', '/b/a3']);
    expect(journal.entries({ limit: 2 }).map((entry) => entry.path)).toEqual(['/b/a2', '/b/a3']);
  });
});

describe('resolvePending: intents a killed process left without an outcome are answered from the database', () => {
  const schemaPath = join(dir, 'declared.sql');
  writeFileSync(schemaPath, 'CREATE TABLE t (id INTEGER PRIMARY KEY, path TEXT, extra INTEGER DEFAULT 0);\nCREATE INDEX t_path ON t(path);\n');
  const dead = () => false;

  function pendingJournal(database: string, change: IntentRecord['change']): AuditJournal {
    const journal = journalIn();
    journal.sink({ ...context, database }).intend(change);
    return journal;
  }

  it('a repair that committed is applied; one that did not is not-applied; each gets exactly one outcome', async () => {
    const landed = createDatabase(dir, 'CREATE TABLE t (id INTEGER PRIMARY KEY, path TEXT);');
    const statements = [
      { sql: 'ALTER TABLE t ADD COLUMN extra INTEGER DEFAULT 0;', drift: 'missing_column' as const, table: 't', column: 'extra' },
      { sql: 'CREATE INDEX t_path ON t(path);', drift: 'missing_index' as const, table: 't', index: 't_path' },
    ];
    const before = pendingJournal(landed, { kind: 'repair', statements });
    expect(resolvePending(before, undefined, dead).resolved[0]!.outcome).toEqual({ status: 'not-applied', reason: expect.stringContaining('before the commit') });
    // The repair commits (as it would have, right before the kill): now the same question gets "applied".
    await checkDatabase({ dbPath: landed, declared: loadDeclaredSchema(schemaPath).schema, mode: 'repair', busyTimeoutMs: 1000 });
    const after = pendingJournal(landed, { kind: 'repair', statements });
    expect(resolvePending(after, undefined, dead).resolved[0]!.outcome).toEqual({ status: 'applied' });
    expect(after.entries().map((entry) => [entry.outcome, entry.resolved])).toEqual([
      ['applied', 'at-start'],
      ['applied', 'at-start'],
    ]);
    // Resolved once: a second start finds nothing pending.
    expect(resolvePending(after, undefined, dead).resolved).toEqual([]);
  });

  it('recovered rows are found by their key; a backup by its file; a live process is left alone', () => {
    const db = createDatabase(dir, "CREATE TABLE t (id INTEGER PRIMARY KEY, path TEXT); INSERT INTO t (path) VALUES ('/m/1');");
    const rows = pendingJournal(db, { kind: 'recover', rule: 'r', table: 't', keyColumn: 'path', rows: [
      { directory: '1', key: '/m/1', values: { path: '/m/1' } },
      { directory: '2', key: '/m/2', values: { path: '/m/2' } },
    ] });
    expect(resolvePending(rows, undefined, dead).resolved[0]!.outcome).toEqual({ status: 'applied', left: [{ item: 1, reason: expect.any(String) }] });
    const backupPath = join(dir, 'copy.bak');
    writeFileSync(backupPath, 'SQLite format 3\0');
    const backups = pendingJournal(db, { kind: 'backup', path: backupPath });
    backups.sink(context).intend({ kind: 'backup', path: join(dir, 'never-written.bak') });
    expect(resolvePending(backups, undefined, dead).resolved.map((item) => item.outcome.status)).toEqual(['applied', 'not-applied']);
    const live = pendingJournal(db, { kind: 'backup', path: backupPath });
    const summary = resolvePending(live);
    expect(summary.resolved).toEqual([]);
    expect(summary.left[0]!.reason).toContain(`process ${process.pid}`);
    expect(journalEntries(live.read())[0]!.outcome).toBe('pending');
  });

  it('an intent whose database is gone stays pending and is reported', () => {
    const journal = pendingJournal(join(dir, 'missing.sqlite'), { kind: 'repair', statements: [{ sql: 'CREATE TABLE x (a);', drift: 'missing_table', table: 'x' }] });
    const summary = resolvePending(journal, undefined, dead);
    expect(summary.left).toHaveLength(1);
    expect(existsSync(join(dir, 'missing.sqlite'))).toBe(false);
  });
});
