import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess, SCHEMA_SQL, createMatchingDatabase, eventually, sqlInChild, tempDir, writeAtomically } from '../helpers/daemon-process.js';

interface Fixture {
  dir: string;
  config: string;
  db: string;
}

function fixture(config: (dir: string) => Record<string, unknown>): Fixture {
  const dir = tempDir();
  const db = join(dir, 'app.db');
  writeFileSync(join(dir, 'schema.sql'), SCHEMA_SQL);
  createMatchingDatabase(db);
  const path = join(dir, 'driftd.json');
  writeFileSync(path, JSON.stringify(config(dir), null, 2));
  return { dir, config: path, db };
}

const baseConfig = (extra: Record<string, unknown> = {}) => () => ({
  schedule: '* * * * * *',
  debounceMs: 50,
  http: { port: 0 },
  targets: [{ name: 'app', database: 'app.db', schema: 'schema.sql', repair: 'auto' }],
  ...extra,
});

const running: DaemonProcess[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});
afterAll(async () => {
  await Promise.all(running.map((daemon) => daemon.stop('SIGKILL')));
});

async function start(fx: Fixture, options: Parameters<typeof DaemonProcess.start>[1] = {}): Promise<DaemonProcess> {
  const daemon = await DaemonProcess.start(fx.config, options);
  running.push(daemon);
  return daemon;
}

describe('driftd run (a real process over real HTTP)', () => {
  let fx: Fixture;
  let daemon: DaemonProcess;
  beforeAll(async () => {
    fx = fixture(baseConfig());
    daemon = await start(fx);
    await eventually(async () => (await daemon.get('/readyz')).status === 200, 20_000, '/readyz 200');
  });

  it('answers /livez, /readyz and /healthz with application/health+json and a check per target', async () => {
    for (const path of ['/livez', '/readyz', '/healthz']) {
      const response = await daemon.get(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/health+json');
    }
    const body = await daemon.json('/readyz');
    expect(body.status).toBe('pass');
    expect(body.checks['target:app'][0]).toMatchObject({ componentId: 'app', status: 'pass' });
    expect(await daemon.metric('driftd_in_sync{target="app"}')).toBe(1);
    expect(await daemon.metric('driftd_config_last_reload_successful')).toBe(1);
  });

  it('repairs drift introduced by another process and shows it in /status and /metrics', async () => {
    // One transaction, so the daemon sees both drifts in the same cycle (two autocommits could be checked in between).
    sqlInChild(fx.db, 'BEGIN; DROP INDEX idx_models_name; ALTER TABLE fine_tuned_models DROP COLUMN is_custom_base_model; COMMIT;');
    const repaired = await daemon.waitForLog((line) => line.msg === 'repair applied' && line.kind === 'missing_column');
    expect(repaired).toMatchObject({ target: 'app', table: 'fine_tuned_models', column: 'is_custom_base_model' });
    await daemon.waitForLog((line) => line.msg === 'repair applied' && line.kind === 'missing_index');
    await daemon.waitForLog((line) => String(line.msg).startsWith('drift found') && line.kind === 'missing_index' && line.safety === 'safe');
    expect(await daemon.metric('driftd_repairs_total{target="app",table="fine_tuned_models",kind="missing_column"}')).toBe(1);
    expect(await daemon.metric('driftd_repairs_total{target="app",table="fine_tuned_models",kind="missing_index"}')).toBe(1);
    // lastRepair, not check: the full check after our own ALTER replaces `check` a moment later.
    const status = await eventually(async () => {
      const body = await daemon.json('/status');
      const target = body.targets.find((candidate: { target: string }) => candidate.target === 'app');
      return target?.lastRepair?.check?.applied?.length === 2 ? target : null;
    }, 20_000, '/status shows the repair');
    expect(status.lastRepair.check.inSync).toBe(true);
    expect(status.lastRepair.check.drift.map((item: { kind: string }) => item.kind).sort()).toEqual(['missing_column', 'missing_index']);
    await eventually(async () => (await daemon.metric('driftd_in_sync{target="app"}')) === 1, 20_000, 'in sync again');
  });

  it('turns /readyz 503 when the database disappears and 200 when it returns', async () => {
    const away = `${fx.db}.away`;
    renameSync(fx.db, away);
    await eventually(async () => (await daemon.get('/readyz')).status === 503, 20_000, '/readyz 503');
    const body = await daemon.json('/readyz');
    expect(body.checks['target:app'][0]).toMatchObject({ status: 'fail' });
    expect(body.checks['target:app'][0].output).toContain('DB_NOT_FOUND');
    expect(await daemon.metric('driftd_target_up{target="app"}')).toBe(0);
    expect(await daemon.metric('driftd_check_failures_total{target="app",code="DB_NOT_FOUND"}')).toBeGreaterThan(0);
    renameSync(away, fx.db);
    await eventually(async () => (await daemon.get('/readyz')).status === 200, 20_000, '/readyz 200 again');
    expect(await daemon.metric('driftd_target_up{target="app"}')).toBe(1);
  });

  it('keeps the last good config when the config is rewritten invalid, and takes the next valid one (rename-on-save)', async () => {
    const good = JSON.parse(JSON.stringify(baseConfig()()));
    writeFileSync(fx.config, '{"schedule": "* * * * * *", "targets": [ {"name": "app", "datab'); // half-written
    await daemon.waitForLog((line) => line.msg === 'config reload failed; keeping the last good config');
    await eventually(async () => (await daemon.metric('driftd_config_last_reload_successful')) === 0, 20_000, 'reload gauge 0');
    const health = await daemon.json('/readyz');
    expect(health.checks['config:loaded'][0].status).toBe('warn');
    // Still checking on the old config.
    const checksBefore = (await daemon.metric('driftd_checks_total{target="app"}'))!;
    await eventually(async () => (await daemon.metric('driftd_checks_total{target="app"}'))! > checksBefore, 20_000, 'cycles continue');
    writeFileSync(join(fx.dir, 'second.db'), '');
    createMatchingDatabase(join(fx.dir, 'second.db'));
    writeAtomically(fx.config, JSON.stringify({ ...good, targets: [...good.targets, { name: 'second', database: 'second.db', schema: 'schema.sql' }] }));
    await eventually(async () => (await daemon.metric('driftd_config_last_reload_successful')) === 1, 20_000, 'reload gauge 1');
    await eventually(async () => (await daemon.metric('driftd_in_sync{target="second"}')) === 1, 20_000, 'new target checked');
    const status = await daemon.json('/status');
    expect(status.targets.map((target: { target: string }) => target.target)).toEqual(['app', 'second']);
  });

  it('keeps the last good config when a schema file becomes invalid', async () => {
    const schema = join(fx.dir, 'schema.sql');
    writeAtomically(schema, 'CREATE TABLE broken (');
    const failed = await daemon.waitForLog((line) => line.msg === 'config reload failed; keeping the last good config' && JSON.stringify(line.problems).includes('SCHEMA_SQL_ERROR'));
    expect(JSON.stringify(failed.problems)).toContain('targets[0].schema');
    expect(await daemon.metric('driftd_config_last_reload_successful')).toBe(0);
    writeAtomically(schema, SCHEMA_SQL);
    await eventually(async () => (await daemon.metric('driftd_config_last_reload_successful')) === 1, 20_000, 'reload gauge back to 1');
  });

  it.skipIf(spawnSync('promtool', ['--version']).status !== 0)('serves /metrics that pass promtool check metrics (skipped without promtool)', async () => {
    const text = await (await daemon.get('/metrics')).text();
    expect(text).toContain('driftd_repairs_total{target="app"');
    const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('exits 0 on SIGTERM', async () => {
    daemon.signal('SIGTERM');
    expect(await daemon.exit).toBe(0);
    expect(daemon.lines.some((line) => line.msg === 'daemon stopped')).toBe(true);
  });
});

describe('driftd run: reload, tokens, overlap', () => {
  it('reloads on SIGHUP (watching off) and keeps running', async () => {
    const fx = fixture(baseConfig({ watch: false }));
    const daemon = await start(fx);
    const config = JSON.parse(JSON.stringify(baseConfig({ watch: false })()));
    config.targets[0].name = 'renamed';
    writeFileSync(fx.config, JSON.stringify(config));
    // Watching is off: nothing changes until the signal.
    await new Promise((wake) => setTimeout(wake, 1500));
    expect(daemon.lines.some((line) => line.msg === 'config reloaded')).toBe(false);
    daemon.signal('SIGHUP');
    const reloaded = await daemon.waitForLog((line) => line.msg === 'config reloaded');
    expect(reloaded).toMatchObject({ reason: 'sighup', changed: true, targets: ['renamed'] });
    await eventually(async () => (await daemon.metric('driftd_in_sync{target="renamed"}')) === 1, 20_000, 'renamed target checked');
    expect(await daemon.metric('driftd_in_sync{target="app"}')).toBeUndefined();
    expect(daemon.child.exitCode).toBeNull();
    expect(await daemon.stop('SIGINT')).toBe(0);
  });

  it('enforces the bearer token on POST /check: 401 without or with a wrong one, 200 with it', async () => {
    const fx = fixture(baseConfig({ http: { port: 0, token: { fromEnv: 'DRIFTD_TEST_TOKEN' } } }));
    const daemon = await start(fx, { env: { DRIFTD_TEST_TOKEN: 'a-test-token-of-enough-length' } });
    const cases: Array<[string, Record<string, string>, number]> = [
      ['no header', {}, 401],
      ['wrong token', { authorization: 'Bearer a-test-token-of-enough-lengtX' }, 401],
      ['wrong length', { authorization: 'Bearer short' }, 401],
      ['not bearer', { authorization: 'Basic a-test-token-of-enough-length' }, 401],
      ['right token', { authorization: 'Bearer a-test-token-of-enough-length' }, 200],
    ];
    for (const [, headers, status] of cases) {
      const response = await daemon.get('/check', { method: 'POST', headers });
      expect(response.status).toBe(status);
      if (status === 200) {
        const report = (await response.json()) as { targets: Array<{ target: string; ok: boolean }> };
        expect(report.targets[0]).toMatchObject({ target: 'app', ok: true });
      }
    }
    expect(await daemon.stop()).toBe(0);
  });

  it('disables POST /check without a configured token', async () => {
    const fx = fixture(baseConfig());
    const daemon = await start(fx);
    const response = await daemon.get('/check', { method: 'POST', headers: { authorization: 'Bearer anything-at-all-here' } });
    expect(response.status).toBe(403);
    expect(await daemon.stop()).toBe(0);
  });

  it('keeps answering /livez and /metrics while a repair waits for another process\'s write lock, and repairs once it is released', async () => {
    const fx = fixture(() => ({
      schedule: '* * * * * *',
      busyTimeoutMs: 30_000,
      watch: false,
      backup: { enabled: true, dir: 'backups' },
      http: { port: 0 },
      targets: [{ name: 'app', database: 'app.db', schema: 'schema.sql', repair: 'auto' }],
    }));
    // The application drops an index (committed drift), then holds the write lock until the test says so —
    // or, as a fallback that only a daemon blocked inside SQLite ever needs, on its own after 15 s.
    const holder = spawn(
      'python3',
      ['-c', 'import sqlite3,sys,select\nc=sqlite3.connect(sys.argv[1], isolation_level=None)\nc.execute("DROP INDEX idx_models_name")\nc.execute("BEGIN IMMEDIATE")\nprint("locked", flush=True)\nselect.select([sys.stdin],[],[],15)\nc.execute("ROLLBACK")\nprint("released", flush=True)', fx.db],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    children.push(holder);
    const events: string[] = [];
    let holderOut = '';
    const locked = new Promise<void>((ready) =>
      holder.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        holderOut += chunk;
        if (holderOut.includes('locked')) ready();
        if (holderOut.includes('released') && !events.includes('released')) events.push('released');
      }),
    );
    await locked;
    const daemon = await start(fx);
    // The backup is taken just before BEGIN IMMEDIATE: once it exists, the repair is waiting for the lock.
    await eventually(() => readdirSync(join(fx.dir, 'backups')).length > 0, 20_000, 'backup taken before the repair');
    events.push(`livez ${(await daemon.get('/livez')).status}`);
    const metrics = await daemon.get('/metrics');
    events.push(`metrics ${metrics.status} ${(await metrics.text()).includes('driftd_build_info')}`);
    // Both answered while the lock was still held (a daemon blocked inside SQLite answers only after "released").
    expect(events).toEqual(['livez 200', 'metrics 200 true']);
    // And the repair was still waiting: the index is missing.
    const reader = new Database(fx.db, { readonly: true });
    const indexes = () => (reader.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name = 'idx_models_name'").all() as unknown[]).length;
    try {
      expect(indexes()).toBe(0);
      holder.stdin!.write('\n');
      await eventually(() => events.includes('released'), 20_000, 'lock holder released');
      const repaired = await daemon.waitForLog((line) => line.msg === 'repair applied' && line.kind === 'missing_index', 20_000);
      expect(repaired).toMatchObject({ target: 'app', index: 'idx_models_name' });
      expect(indexes()).toBe(1);
    } finally {
      reader.close();
    }
    expect(events).toEqual(['livez 200', 'metrics 200 true', 'released']);
    // One backup from the attempt that found the lock taken, one from the attempt that repaired: the wait in between
    // is on the write lock, not a re-run of the check (and its backup, rotating older copies out) every few ms.
    expect(readdirSync(join(fx.dir, 'backups'))).toHaveLength(2);
    // Waiting and then succeeding is not a busy failure.
    expect(await daemon.metric('driftd_database_busy_total{target="app"}')).toBe(0);
    expect(await daemon.stop()).toBe(0);
  });

  it('never overlaps cycles: ticks during a slow cycle are skipped and counted', async () => {
    // Three targets on one database that another process holds an EXCLUSIVE lock on: every target waits out the
    // busy timeout, so a cycle takes several schedule intervals.
    const fx = fixture(() => ({
      schedule: '* * * * * *',
      busyTimeoutMs: 700,
      watch: false,
      http: { port: 0 },
      targets: ['a', 'b', 'c'].map((name) => ({ name, database: 'app.db', schema: 'schema.sql' })),
    }));
    const holder = spawn('python3', ['-c', 'import sqlite3,sys,time\nc=sqlite3.connect(sys.argv[1], isolation_level=None)\nc.execute("BEGIN EXCLUSIVE")\nprint("locked", flush=True)\ntime.sleep(60)', fx.db], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(holder);
    await new Promise<void>((ready) => holder.stdout!.once('data', () => ready()));
    const daemon = await start(fx);
    await eventually(async () => ((await daemon.metric('driftd_cycles_skipped_total')) ?? 0) >= 2, 30_000, 'skipped ticks counted');
    expect(await daemon.metric('driftd_database_busy_total{target="a"}')).toBeGreaterThan(0);
    // The wait for the lock happens on timers, not inside SQLite: HTTP answers in the middle of a cycle.
    await eventually(async () => (await daemon.json('/status')).cycles.running === true, 20_000, '/status answered during a cycle');
    expect((await daemon.json('/status')).targets[0].error?.code ?? 'DB_BUSY').toBe('DB_BUSY');
    holder.kill('SIGKILL');
    await eventually(async () => (await daemon.metric('driftd_in_sync{target="a"}')) === 1, 30_000, 'checks succeed once the lock is gone');
    expect(await daemon.stop()).toBe(0);
    // Every "cycle started" is followed by its own "cycle finished" before the next one starts.
    const events = daemon.lines.filter((line) => line.msg === 'cycle started' || line.msg === 'cycle finished');
    expect(events.length).toBeGreaterThanOrEqual(4);
    events.forEach((line, index) => {
      expect(line.msg).toBe(index % 2 === 0 ? 'cycle started' : 'cycle finished');
      if (index % 2 === 1) expect(line.cycle).toBe(events[index - 1]!.cycle);
    });
  });

  it('on SIGTERM lets the running cycle finish, then exits 0', async () => {
    const fx = fixture(() => ({ schedule: '*/30 * * * * *', busyTimeoutMs: 2000, watch: false, http: { port: 0 }, targets: [{ name: 'app', database: 'app.db', schema: 'schema.sql' }] }));
    const holder = spawn('python3', ['-c', 'import sqlite3,sys,time\nc=sqlite3.connect(sys.argv[1], isolation_level=None)\nc.execute("BEGIN EXCLUSIVE")\nprint("locked", flush=True)\ntime.sleep(60)', fx.db], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(holder);
    await new Promise<void>((ready) => holder.stdout!.once('data', () => ready()));
    const daemon = await start(fx);
    await eventually(async () => (await daemon.json('/status')).cycles.running === true, 20_000, 'a cycle running');
    daemon.signal('SIGTERM');
    expect(await daemon.exit).toBe(0);
    const messages = daemon.lines.map((line) => line.msg);
    const finished = messages.indexOf('cycle finished');
    expect(finished).toBeGreaterThan(messages.indexOf('shutting down'));
    expect(messages.indexOf('daemon stopped')).toBeGreaterThan(finished);
    expect(daemon.lines.find((line) => line.msg.startsWith('check failed'))).toMatchObject({ code: 'DB_BUSY' });
  });

  it('refuses to start on an invalid config: exit 2 listing every problem with its path', async () => {
    const fx = fixture(() => ({ schedule: 'every minute', http: { port: 0, token: { fromEnv: 'DRIFTD_UNSET_VARIABLE' } }, targets: [{ name: 'a', database: 'app.db', schema: 'missing.sql' }, { name: 'a', database: 'app.db', schema: 'schema.sql' }] }));
    const child = spawn(process.execPath, [join(import.meta.dirname, '../../dist/cli/main.js'), 'run', '--config', fx.config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise((done) => child.on('exit', done));
    expect(code).toBe(2);
    expect(stderr).toContain('schedule: not a cron expression');
    expect(stderr).toContain('targets[1].name: duplicate target name');
    expect(stderr).toContain('http.token.fromEnv: environment variable DRIFTD_UNSET_VARIABLE is not set');
    rmSync(fx.dir, { recursive: true, force: true });
  });
});

describe('driftd run: the reconcile step', () => {
  it('recovers a row for an orphan model directory that appears while it runs', async () => {
    const schema = `CREATE TABLE fine_tuned_models (
      id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL, model_path TEXT NOT NULL, is_custom_base_model BOOLEAN DEFAULT 0);`;
    const fx = fixture(() => ({
      schedule: '* * * * * *',
      http: { port: 0 },
      targets: [
        {
          name: 'models',
          database: 'app.db',
          schema: 'models.sql',
          repair: 'auto',
          reconcile: [{ name: 'models', table: 'fine_tuned_models', root: 'models', markers: ['adapter_config.json'], keyColumn: 'model_path', settleSeconds: 0, columns: { model_name: { from: 'directoryName' }, model_path: { from: 'path' } } }],
        },
      ],
    }));
    rmSync(fx.db);
    writeFileSync(join(fx.dir, 'models.sql'), schema);
    sqlInChild(fx.db, schema);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(fx.dir, 'models'));
    const daemon = await start(fx);
    await eventually(async () => (await daemon.metric('driftd_orphan_directories{target="models",table="fine_tuned_models"}')) === 0, 20_000, 'first reconcile round');
    // The application finished training but its INSERT failed: the directory is there, the row is not.
    mkdirSync(join(fx.dir, 'models', 'poetry-gpt'));
    writeFileSync(join(fx.dir, 'models', 'poetry-gpt', 'adapter_config.json'), '{}');
    const recovered = await daemon.waitForLog((line) => line.msg === 'row recovered');
    expect(recovered).toMatchObject({ target: 'models', table: 'fine_tuned_models', directory: 'poetry-gpt' });
    expect(await daemon.metric('driftd_recovered_rows_total{target="models",table="fine_tuned_models"}')).toBe(1);
    const status = await daemon.json('/status');
    const rounds = status.targets[0].reconcile;
    expect(rounds[0]).toMatchObject({ rule: 'models', table: 'fine_tuned_models' });
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(fx.db, { readonly: true });
    expect(db.prepare('SELECT model_name FROM fine_tuned_models').all()).toEqual([{ model_name: 'poetry-gpt' }]);
    db.close();
    expect(await daemon.stop()).toBe(0);
  });
});
