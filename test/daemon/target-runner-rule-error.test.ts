import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TargetConfig } from '../../src/config/parse-config.js';
import { TargetRunner, reconcileRules } from '../../src/daemon/target-runner.js';
import { declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import { CURRENT_TABLE, makeWorkspace, modelforgeRule, rowsOf, writeModel, type Workspace } from '../reconcile/modelforge-fixture.js';

let workspace: Workspace | null = null;
afterEach(() => {
  workspace?.cleanup();
  workspace = null;
});

describe('TargetRunner with a failing reconcile rule', () => {
  it('fails the cycle with the rule\'s code and still reports the rows the other rule recovered', async () => {
    const w = (workspace = makeWorkspace());
    writeModel(w.models, 'poetry_1');
    const gone = join(w.dir, 'gone');
    const target: TargetConfig = {
      name: 'modelforge',
      database: w.dbPath,
      schema: 'schema.sql',
      repair: 'auto',
      ignoreTables: [],
      foreignKeysEnforced: true,
      repairUnderMigrationTool: false,
      reconcile: [modelforgeRule(w.models), modelforgeRule(gone, { name: 'archived', relativeTo: gone })],
    };
    const declared = { schema: declaredSchemaFromSql(CURRENT_TABLE, 'schema.sql'), path: 'schema.sql', contentHash: createHash('sha256').update(CURRENT_TABLE).digest('hex') };
    const runner = new TargetRunner(target.name, { reconcile: reconcileRules, clock: () => performance.now(), now: () => new Date() });
    const report = await runner.run(target, declared, { busyTimeoutMs: 1000, backup: null });
    runner.close();
    expect(report).toMatchObject({ ok: false, up: true, reconciled: true, error: { code: 'RECONCILE_ROOT_MISSING', message: expect.stringContaining('rule "archived"') } });
    expect(report.reconcile.find((rule) => rule.rule === 'models')?.recovered).toEqual([{ directory: 'poetry_1', path: join(w.models, 'poetry_1') }]);
    expect(runner.lastSuccessAtMs).toBeNull();
    expect(rowsOf(w.dbPath)).toHaveLength(1);
  });
});
