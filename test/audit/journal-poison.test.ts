// A journal that cannot be poisoned (issue 14 item 6): no line the writer appends exceeds what the
// reader accepts (a round's intent is split, long values kept as digests), a malformed or
// wrong-shaped line is skipped and counted by every reader — history, /events, the status page, a
// daemon's start — and the journal's own failures (full disk, hard link) are named as the journal's.
import { appendFileSync, closeSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditJournal } from '../../src/audit/audit-journal.js';
import { AUDIT_LIMITS, digestOf } from '../../src/audit/bound-change.js';
import { resolvePending } from '../../src/audit/resolve-pending.js';
import { DriftdError } from '../../src/errors/driftd-error.js';
import { DaemonProcess, SCHEMA_SQL, eventually } from '../helpers/daemon-process.js';
import { canMountTmpfs, SmallDisk } from '../support/full-disk.js';
import { runCli } from '../support/run-cli.js';
import { createDatabase, tempDir } from '../support/temp-db.js';

const dir = tempDir('driftd-journal-poison-');
let counter = 0;
const journalIn = (maxBytes = 8 << 20) => new AuditJournal({ dir: join(dir, `journal-${++counter}`), maxBytes, keep: 5 });
const context = { target: 'app', database: '/db/app.sqlite', cycle: 3, source: 'daemon' as const };
const dead = () => false;

const running: DaemonProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((daemon) => daemon.stop('SIGKILL')));
});

/** Lines a reader of the old journal format died on: valid JSON, wrong shape; and plain garbage. */
const POISON = [
  '{"v":1,"type":"intent","id":"p1","time":"2026-11-29T10:00:00.000Z","target":"app","database":"/db","cycle":1,"source":"daemon","pid":1,"host":"h","change":null}',
  '{"v":1,"type":"intent","id":"p2","time":"2026-11-29T10:00:00.000Z","target":"app","database":"/db","cycle":1,"source":"daemon","pid":1,"host":"h","change":{"kind":"teleport","things":[]}}',
  '{"v":1,"type":"intent","id":"p3","time":"2026-11-29T10:00:00.000Z","target":"app","database":"/db","cycle":1,"source":"daemon","pid":1,"host":"h","change":{"kind":"repair","statements":[null]}}',
  '{"v":1,"type":"outcome","id":"p4","time":"2026-11-29T10:00:00.000Z","outcome":{"status":"applied","left":"all"}}',
  '["not","a","record"]',
  'garbage \u0000 \u00ff',
];

function lineLengths(journal: AuditJournal): number[] {
  return readdirSync(journal.options.dir).flatMap((name) =>
    readFileSync(join(journal.options.dir, name))
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => Buffer.byteLength(line, 'utf8')),
  );
}

describe('bounded entries: no line exceeds what the reader accepts', () => {
  it('a reconcile round of 80 MB of values (the 64 MiB intent) is recorded as digests in lines under the limit, and read back whole', () => {
    const journal = journalIn();
    const big = 'x'.repeat(40_000);
    const rows = Array.from({ length: 2000 }, (_, i) => ({ directory: `m${i}`, key: `/models/m${i}`, values: { model_path: `/models/m${i}`, description: `${i}:${big}` } }));
    const sink = journal.sink(context);
    const ticket = sink.intend({ kind: 'recover', rule: 'models', table: 't', keyColumn: 'model_path', rows });
    sink.settle(ticket, { status: 'applied' });
    expect(Math.max(...lineLengths(journal))).toBeLessThanOrEqual(AUDIT_LIMITS.lineBytes);
    const read = journal.readEntries();
    expect(read.skipped).toBe(0);
    expect(read.entries).toHaveLength(2000);
    expect(read.entries.every((entry) => entry.outcome === 'applied')).toBe(true);
    expect(read.entries[7]!.key).toBe('/models/m7');
    expect(read.entries[7]!.values!.description).toEqual(digestOf(`7:${big}`));
  });

  it('a round of 20,000 rows of 1 KiB each is split into parts, each its own intent; outcomes and left-out items map to each part', () => {
    const journal = journalIn();
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ directory: `d${i}`, key: `/m/${i}`, values: { model_path: `/m/${i}`, description: `${i} ${'d'.repeat(1000)}` } }));
    const sink = journal.sink(context);
    const ticket = sink.intend({ kind: 'recover', rule: 'models', table: 't', keyColumn: 'model_path', rows });
    expect(ticket.parts!.length).toBeGreaterThan(10);
    sink.settle(ticket, { status: 'applied', left: [{ item: 5, reason: 'raced' }, { item: 19_999, reason: 'raced too' }] });
    expect(Math.max(...lineLengths(journal))).toBeLessThanOrEqual(AUDIT_LIMITS.lineBytes);
    const entries = journal.entries();
    expect(entries.map((entry) => entry.key)).toEqual(rows.map((row) => row.key));
    expect(entries.filter((entry) => entry.outcome === 'not-applied').map((entry) => [entry.key, entry.reason])).toEqual([
      ['/m/5', 'raced'],
      ['/m/19999', 'raced too'],
    ]);
  });

  it('a killed split round is resolved part by part from the database, long keys found by their digest', () => {
    const longKey = `/models/${'k'.repeat(20_000)}`;
    const db = createDatabase(dir, 'CREATE TABLE t (id INTEGER PRIMARY KEY, model_path TEXT)');
    const handle = new Database(db);
    handle.prepare('INSERT INTO t (model_path) VALUES (?)').run(longKey);
    handle.prepare('INSERT INTO t (model_path) VALUES (?)').run('/models/short');
    handle.close();
    const journal = journalIn();
    const rows = [
      { directory: 'long', key: longKey, values: { model_path: longKey } },
      { directory: 'short', key: '/models/short', values: { model_path: '/models/short' } },
      { directory: 'never', key: `/models/${'n'.repeat(20_000)}`, values: { model_path: 'x' } },
    ];
    journal.sink({ ...context, database: db }).intend({ kind: 'recover', rule: 'models', table: 't', keyColumn: 'model_path', rows });
    const summary = resolvePending(journal, undefined, dead);
    expect(summary.left).toEqual([]);
    expect(journal.entries().map((entry) => [entry.directory, entry.outcome, entry.resolved])).toEqual([
      ['long', 'applied', 'at-start'],
      ['short', 'applied', 'at-start'],
      ['never', 'not-applied', 'at-start'],
    ]);
  });

  it('one row too large even with its values summarised is refused before the change (AUDIT_ENTRY_TOO_LARGE), and nothing is written', () => {
    const journal = journalIn();
    const values = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`column_with_a_long_name_${i}_${'c'.repeat(40)}`, i]));
    let error: unknown;
    try {
      journal.sink(context).intend({ kind: 'recover', rule: 'r', table: 't', keyColumn: 'k', rows: [{ directory: 'd', key: 'k', values }] });
    } catch (caught) {
      error = caught;
    }
    expect((error as DriftdError).code).toBe('AUDIT_ENTRY_TOO_LARGE');
    expect(journal.readEntries()).toEqual({ entries: [], skipped: 0 });
  });

  it('a journal an older driftd poisoned with a line over 64 MiB is still read: the line is skipped and counted, the rest kept', () => {
    const journal = journalIn();
    const sink = journal.sink(context);
    sink.settle(sink.intend({ kind: 'backup', path: '/b/before.bak' }), { status: 'applied' });
    const fd = openSync(journal.path, 'a');
    const megabyte = Buffer.alloc(1 << 20, 0x78);
    writeSync(fd, '{"v":1,"type":"intent","id":"huge","time":"2026-11-29T10:00:00.000Z","change":{"kind":"backup","path":"');
    for (let i = 0; i < 65; i++) writeSync(fd, megabyte);
    writeSync(fd, '"}}\n');
    closeSync(fd);
    sink.settle(sink.intend({ kind: 'backup', path: '/b/after.bak' }), { status: 'applied' });
    const read = journal.readEntries();
    // The file is over the 64 MiB a reader reads: its head (with the first entry) is cut, counted as one skipped line.
    expect(read.entries.map((entry) => [entry.path, entry.outcome])).toEqual([['/b/after.bak', 'applied']]);
    expect(read.skipped).toBe(1);
    expect(resolvePending(journal, undefined, dead)).toEqual({ resolved: [], left: [] });
  });

  it('a line over the line limit inside a readable file is skipped and counted, never held whole', () => {
    const journal = journalIn();
    const sink = journal.sink(context);
    sink.settle(sink.intend({ kind: 'backup', path: '/b/1.bak' }), { status: 'applied' });
    appendFileSync(journal.path, `${'y'.repeat(AUDIT_LIMITS.lineBytes + 10)}\n`);
    sink.settle(sink.intend({ kind: 'backup', path: '/b/2.bak' }), { status: 'applied' });
    const read = journal.readEntries();
    expect(read.entries.map((entry) => entry.path)).toEqual(['/b/1.bak', '/b/2.bak']);
    expect(read.skipped).toBe(1);
  });
});

describe('readers skip and count a malformed or wrong-shaped line', () => {
  it('AuditJournal: every poison line is skipped and counted; the good entries around them are kept', () => {
    const journal = journalIn();
    const sink = journal.sink(context);
    sink.settle(sink.intend({ kind: 'backup', path: '/b/1.bak' }), { status: 'applied' });
    appendFileSync(journal.path, `${POISON.join('\n')}\n`);
    sink.settle(sink.intend({ kind: 'backup', path: '/b/2.bak' }), { status: 'applied' });
    const read = journal.readEntries();
    expect(read.entries.map((entry) => [entry.path, entry.outcome])).toEqual([
      ['/b/1.bak', 'applied'],
      ['/b/2.bak', 'applied'],
    ]);
    expect(read.skipped).toBe(POISON.length);
    expect(resolvePending(journal, undefined, dead)).toEqual({ resolved: [], left: [] });
  });

  it('history exits 0 with the count; the daemon starts, repairs, and reports it on /events and the status page', async () => {
    const work = tempDir('driftd-poisoned-daemon-');
    const db = join(work, 'app.db');
    const setup = new Database(db);
    setup.exec('CREATE TABLE fine_tuned_models (id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL)');
    setup.close();
    writeFileSync(join(work, 'schema.sql'), SCHEMA_SQL);
    mkdirSync(join(work, 'audit'));
    writeFileSync(join(work, 'audit/audit.jsonl'), `${POISON.join('\n')}\n`);
    const config = join(work, 'driftd.json');
    writeFileSync(config, JSON.stringify({ schedule: '0 0 0 1 1 *', watch: false, http: { port: 0 }, audit: { dir: 'audit' }, targets: [{ name: 'app', database: 'app.db', schema: 'schema.sql', repair: 'auto' }] }));

    const history = runCli(['history', '--config', config]);
    expect({ status: history.status, stdout: history.stdout }).toEqual({ status: 0, stdout: expect.stringContaining('no audit entries') });
    expect(history.stderr).toContain(`${POISON.length} lines of ${join(work, 'audit/audit.jsonl')}`);
    expect(JSON.parse(runCli(['history', '--config', config, '--json']).stdout)).toMatchObject({ entries: [], skippedLines: POISON.length });

    const daemon = await DaemonProcess.start(config);
    running.push(daemon);
    const events = await eventually(async () => {
      const response = await daemon.get('/events');
      const body = (await response.json()) as { skippedLines: number; entries: Array<{ kind: string; outcome: string }> };
      return response.status === 200 && body.entries.length >= 2 ? body : null;
    }, 20_000, 'the repair in /events');
    expect(events!.skippedLines).toBe(POISON.length);
    expect(events!.entries.map((entry) => `${entry.kind}:${entry.outcome}`)).toEqual(['repair:applied', 'repair:applied']);
    const page = await (await daemon.get('/')).text();
    expect(page).toContain(`${POISON.length} journal lines skipped`);
    expect(page).not.toContain('audit trail unreadable');
    // The CLI writes into the same journal past the poison too.
    expect(runCli(['repair', '--config', config]).status).toBe(0);
  });
});

describe('the journal names its own failures, and appends only to a file no other name shares', () => {
  it.skipIf(!canMountTmpfs())('a full journal disk is AUDIT_DISK_FULL naming the journal, not DB_DISK_FULL naming the database; the database is untouched', () => {
    const disk = new SmallDisk(64);
    try {
      disk.fill();
      const work = tempDir('driftd-full-journal-');
      const db = join(work, 'app.db');
      const setup = new Database(db);
      setup.exec('CREATE TABLE fine_tuned_models (id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL)');
      setup.close();
      writeFileSync(join(work, 'schema.sql'), SCHEMA_SQL);
      const config = join(work, 'driftd.json');
      writeFileSync(config, JSON.stringify({ audit: { dir: join(disk.dir, 'audit') }, targets: [{ name: 'app', database: 'app.db', schema: 'schema.sql', repair: 'auto' }] }));
      // mkdir of the journal's directory still fits in the inode table; its first line does not.
      const repair = runCli(['repair', '--config', config]);
      expect(repair.status).toBe(2);
      expect(repair.stderr).toContain('AUDIT_DISK_FULL');
      expect(repair.stderr).toContain(join(disk.dir, 'audit', 'audit.jsonl'));
      expect(repair.stderr).not.toContain('DB_DISK_FULL');
      const after = new Database(db, { readonly: true });
      expect(after.prepare("SELECT count(*) AS n FROM pragma_table_info('fine_tuned_models')").get()).toEqual({ n: 2 });
      expect(after.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'index'").get()).toEqual({ n: 0 });
      after.close();
    } finally {
      disk.dispose();
    }
  });

  it('a journal hard-linked to another file is refused (AUDIT_WRITE_FAILED, "hard links"); the other file gets no line', () => {
    const journal = journalIn();
    mkdirSync(journal.options.dir, { recursive: true });
    const victim = join(dir, `victim-${counter}`);
    writeFileSync(victim, 'precious\n');
    linkSync(victim, journal.path);
    let error: unknown;
    try {
      journal.sink(context).intend({ kind: 'backup', path: '/b/x.bak' });
    } catch (caught) {
      error = caught;
    }
    expect((error as DriftdError).code).toBe('AUDIT_WRITE_FAILED');
    expect((error as DriftdError).message).toMatch(/2 hard links/);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(() => journal.read()).toThrow(/AUDIT_UNREADABLE|hard links/);
  });
});
