// The target-level cases of the bad-input corpus, all at once inside ONE real daemon next to a good
// target: the daemon must stay up, keep repairing the good target (including drift introduced while
// the bad ones keep failing), report every bad target in /status and /readyz with its error code,
// and change no byte of any bad target's files.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DaemonProcess, eventually, sqlInChild } from '../helpers/daemon-process.js';
import { snapshot } from './snapshot.js';
import { CASES, legacyDb } from './corpus-cases.js';

const GOOD_SCHEMA = `
CREATE TABLE fine_tuned_models (
  id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL, base_model TEXT NOT NULL, task TEXT NOT NULL,
  description TEXT, creation_date TEXT NOT NULL, model_path TEXT NOT NULL, is_custom_base_model BOOLEAN DEFAULT 0
);
CREATE INDEX fine_tuned_models_name ON fine_tuned_models (model_name);
`;

const targetCases = CASES.filter((testCase) => testCase.daemon !== undefined && !testCase.asNobody);

interface TargetStatus {
  target: string;
  up: boolean;
  ok: boolean;
  error: { code: string; message: string } | null;
  check: { inSync: boolean } | null;
  reconcile: Array<{ skipped: Array<{ reason: string }> }> | null;
  startedAt?: string;
}

describe('bad-input corpus (daemon): one good target keeps being served next to every bad one', () => {
  const work = mkdtempSync(join(tmpdir(), 'driftd-corpus-daemon-'));
  let daemon: DaemonProcess | undefined;
  afterAll(async () => {
    await daemon?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it(`serves the good target while ${targetCases.length} bad targets fail, and changes none of their files`, { timeout: 120_000 }, async () => {
    expect(targetCases.length).toBeGreaterThanOrEqual(15);
    const goodDir = join(work, 'good');
    mkdirSync(goodDir);
    const goodDb = legacyDb(join(goodDir, 'app.db'));
    writeFileSync(join(goodDir, 'schema.sql'), GOOD_SCHEMA);

    const bad = targetCases.map((testCase) => {
      const dir = join(work, testCase.id);
      mkdirSync(dir);
      chmodSync(dir, 0o755);
      const built = testCase.build(dir);
      return { testCase, dir, target: { name: testCase.id, ...built.daemonTarget! }, before: snapshot(dir) };
    });
    const configPath = join(work, 'driftd.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        schedule: '*/1 * * * * *',
        busyTimeoutMs: 200,
        http: { port: 0 },
        targets: [{ name: 'good', database: goodDb, schema: join(goodDir, 'schema.sql'), repair: 'auto' }, ...bad.map((entry) => entry.target)],
      }),
    );

    daemon = await DaemonProcess.start(configPath, { logLevel: 'info' });
    const statusOf = async () => {
      const status = (await daemon!.json('/status')) as { targets: TargetStatus[] };
      return new Map(status.targets.map((target) => [target.target, target]));
    };

    // The good target is repaired (missing column and index) while every bad target has had a cycle.
    await eventually(async () => {
      const targets = await statusOf();
      return targets.get('good')?.check?.inSync === true && bad.every((entry) => targets.get(entry.testCase.id)?.startedAt !== undefined);
    }, 60_000, 'good target in sync and every bad target checked');

    // Drift introduced by another process while the bad targets keep failing is repaired too.
    sqlInChild(goodDb, 'DROP INDEX fine_tuned_models_name');
    await eventually(async () => {
      const metric = await daemon!.metric('driftd_repairs_total{target="good",table="fine_tuned_models",kind="missing_index"}');
      return metric !== undefined && metric >= 2;
    }, 30_000, 'the dropped index repaired again');
    await eventually(async () => (await statusOf()).get('good')?.check?.inSync === true, 30_000, 'good target back in sync');

    const targets = await statusOf();
    const readyz = (await (await daemon.get('/readyz')).json()) as { status: string; checks: Record<string, Array<{ status: string; output?: string }>> };
    expect(readyz.checks['target:good']?.[0]?.status).toBe('pass');
    for (const entry of bad) {
      const status = targets.get(entry.testCase.id)!;
      const expected = entry.testCase.daemon!;
      const context = `${entry.testCase.id}: ${JSON.stringify(status).slice(0, 800)}`;
      if (expected.code) {
        expect(status.error?.code, context).toBe(expected.code);
        expect(status.up, context).toBe(false);
        expect(readyz.checks[`target:${entry.testCase.id}`]?.[0]?.status, context).toBe('fail');
        expect(readyz.checks[`target:${entry.testCase.id}`]?.[0]?.output, context).toContain(expected.code);
      }
      if (expected.skipped) {
        const reasons = (status.reconcile ?? []).flatMap((report) => report.skipped.map((skip) => skip.reason));
        expect(reasons, context).toContain(expected.skipped);
      }
      if (!expected.code && !expected.skipped) expect(status.startedAt, context).toBeDefined();
      expect([...snapshot(entry.dir).entries()], `${entry.testCase.id}: no file changed`).toEqual([...entry.before.entries()]);
    }
    expect(readyz.status).toBe('fail');
    expect((await daemon.get('/livez')).status).toBe(200);
    expect(daemon.child.exitCode).toBeNull();
  });
});
