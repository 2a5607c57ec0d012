// The narrowest crash window, hit on purpose: a real process commits a repair (then a reconcile
// round) and is SIGKILLed right after COMMIT, before its outcome line is written. The next driftd
// start answers the intent from the database: exactly one applied entry per change, nothing pending,
// and nothing done twice.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LEGACY_TABLE, makeWorkspace, modelforgeRule, rowsOf, writeModel, type Workspace } from '../reconcile/modelforge-fixture.js';

const REPO = resolve(__dirname, '../..');
const MAIN = join(REPO, 'dist/cli/main.js');
const SCHEMA = join(REPO, 'schemas/modelforge.sql');

/** Runs one step with an audit sink whose settle() SIGKILLs the process: the commit happened, the outcome never will. */
const CHILD = `
const [dist, configPath, step] = process.argv.slice(1);
const { loadConfig } = await import(dist + '/config/load-config.js');
const { loadDeclaredSchema } = await import(dist + '/declared/load-declared-schema.js');
const { checkDatabase } = await import(dist + '/check/check-database.js');
const { reconcileTarget } = await import(dist + '/reconcile/reconcile-target.js');
const { AuditJournal } = await import(dist + '/audit/audit-journal.js');
const loaded = loadConfig(configPath);
const target = loaded.config.targets[0];
const real = new AuditJournal(loaded.config.audit).sink({ target: target.name, database: target.database, cycle: null, source: 'cli' });
const audit = { intend: (change) => real.intend(change), settle: () => process.kill(process.pid, 'SIGKILL') };
if (step === 'repair') await checkDatabase({ dbPath: target.database, declared: loadDeclaredSchema(target.schema).schema, mode: 'repair', busyTimeoutMs: 1000, audit });
else await reconcileTarget({ dbPath: target.database, rules: target.reconcile, mode: 'apply', busyTimeoutMs: 1000, audit });
process.exit(3);
`;

let workspace: Workspace | null = null;
afterEach(() => {
  workspace?.cleanup();
  workspace = null;
});

function driftd(...args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
}

function killedAfterCommit(config: string, step: 'repair' | 'reconcile'): void {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, join(REPO, 'dist'), config, step], { encoding: 'utf8' });
  expect(child.signal, child.stderr).toBe('SIGKILL');
}

describe('killed right after COMMIT, before the outcome is written', () => {
  it('the next start records the repair and the recovered row as applied, once each', () => {
    const w = (workspace = makeWorkspace(LEGACY_TABLE));
    writeModel(w.models, 'poetry_1');
    writeModel(w.models, 'poetry_2');
    const { relativeTo: _relativeTo, ...rule } = modelforgeRule('models');
    const config = join(w.dir, 'driftd.json');
    writeFileSync(config, JSON.stringify({ audit: { dir: 'audit' }, targets: [{ name: 'modelforge', database: 'database/modelforge.sqlite', schema: SCHEMA, repair: 'auto', reconcile: [rule] }] }));
    const history = () => JSON.parse(driftd('history', '--config', config, '--json').stdout).entries as Array<{ kind: string; outcome: string; resolved?: string; key?: string }>;

    killedAfterCommit(config, 'repair');
    expect(driftd('check', '--config', config).status).toBe(0);
    expect(history().map((entry) => `${entry.kind}:${entry.outcome}`)).toEqual(['repair:pending']);
    // The next repair starts by answering the intent: the column is there, so it was applied. Nothing is left to do.
    expect(driftd('repair', '--config', config).status).toBe(0);
    expect(history().map((entry) => `${entry.kind}:${entry.outcome}:${entry.resolved ?? ''}`)).toEqual(['repair:applied:at-start']);

    killedAfterCommit(config, 'reconcile');
    expect(rowsOf(w.dbPath)).toHaveLength(2);
    expect(driftd('reconcile', '--config', config).status).toBe(0);
    expect(rowsOf(w.dbPath)).toHaveLength(2);
    const entries = history();
    expect(entries.map((entry) => `${entry.kind}:${entry.outcome}:${entry.resolved ?? ''}`)).toEqual(['repair:applied:at-start', 'recover:applied:at-start', 'recover:applied:at-start']);
    expect(entries.slice(1).map((entry) => entry.key).sort()).toEqual([join(w.models, 'poetry_1'), join(w.models, 'poetry_2')]);
  });
});
