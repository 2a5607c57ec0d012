// The audit trail through a real `driftd run`: a change a killed driftd left without an outcome is
// answered at start from the database (logged and marked "resolved at start"), and the daemon's own
// repairs are recorded with their cycle.
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DaemonProcess, SCHEMA_SQL, eventually, sqlInChild, tempDir } from '../helpers/daemon-process.js';

const running: DaemonProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((daemon) => daemon.stop('SIGKILL')));
});

/** A pid that is certainly not running: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('audit trail in the daemon', () => {
  it('resolves a dangling intent at start from the database, then records its own repair with the cycle', async () => {
    const dir = tempDir('driftd-daemon-audit-');
    const db = join(dir, 'app.db');
    // The database already has the column an interrupted run was adding (it committed, then the process died) …
    sqlInChild(db, 'CREATE TABLE fine_tuned_models (id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL, is_custom_base_model BOOLEAN DEFAULT 0);');
    writeFileSync(join(dir, 'schema.sql'), SCHEMA_SQL);
    // … and the journal holds that run's intent without an outcome.
    mkdirSync(join(dir, 'audit'));
    const intent = {
      v: 1,
      type: 'intent',
      id: 'killed-1',
      time: '2026-11-29T10:00:00.000Z',
      target: 'app',
      database: db,
      cycle: 4,
      source: 'daemon',
      pid: deadPid(),
      host: hostname(),
      change: { kind: 'repair', statements: [{ sql: 'ALTER TABLE "fine_tuned_models" ADD COLUMN is_custom_base_model BOOLEAN DEFAULT 0;', drift: 'missing_column', table: 'fine_tuned_models', column: 'is_custom_base_model' }] },
    };
    writeFileSync(join(dir, 'audit', 'audit.jsonl'), `${JSON.stringify(intent)}\n`);
    const config = join(dir, 'driftd.json');
    writeFileSync(config, JSON.stringify({ schedule: '0 0 0 1 1 *', watch: false, http: { port: 0 }, audit: { dir: 'audit' }, targets: [{ name: 'app', database: 'app.db', schema: 'schema.sql', repair: 'auto' }] }));

    const daemon = await DaemonProcess.start(config);
    running.push(daemon);
    const resolved = await daemon.waitForLog((line) => line.msg === 'audit: resolved a change interrupted by a stop');
    expect(resolved).toMatchObject({ id: 'killed-1', outcome: 'applied', database: db });
    // The index is still missing: the first cycle repairs it and records it.
    const events = await eventually(async () => {
      const body = await daemon.json('/events');
      return body.entries.length >= 2 ? body : null;
    }, 20_000, 'the first cycle\'s repair in /events');
    expect(events.entries.map((entry: { id: string; kind: string; outcome: string; resolved?: string; cycle: number; source: string }) => [entry.id === 'killed-1' ? 'killed-1' : 'new', entry.kind, entry.outcome, entry.resolved ?? null, entry.cycle, entry.source])).toEqual([
      ['killed-1', 'repair', 'applied', 'at-start', 4, 'daemon'],
      ['new', 'repair', 'applied', null, 1, 'daemon'],
    ]);
    expect(events.entries[1].sql).toMatch(/^CREATE INDEX idx_models_name/);
    // The page shows both, the resolved one marked.
    const page = await (await daemon.get('/')).text();
    expect(page).toContain('resolved at start');
    expect(page).toContain('CREATE INDEX idx_models_name');
  });
});
