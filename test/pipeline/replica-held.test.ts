// Issue 16, replicated hosts: driftd repaired a database on a LiteFS replica (the `.primary` file in its
// directory says so), where a write fails at best and forks the replicated history at worst. Checked, never
// repaired or reconciled, `held: replica` — for both kinds of target.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { validateConfigFile } from '../../src/config/validate-config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { DaemonMetrics } from '../../src/metrics/daemon-metrics.js';
import { tempDir } from '../support/temp-db.js';
import type { TargetCycleReport } from '../../src/report/report-vocabulary.js';

const TABLE = 'CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)';
const DECLARED = `${TABLE};\nCREATE INDEX t_payload ON t(payload);\n`;

describe.each(['file', 'fleet'] as const)('a %s target on a LiteFS replica', (kind) => {
  it('is checked, never written, says held: replica — and is repaired once the node is primary', async () => {
    const dir = tempDir('driftd-replica-');
    const root = join(dir, 'tenants');
    const dbDir = kind === 'file' ? dir : join(root, 'acme');
    mkdirSync(dbDir, { recursive: true });
    const dbPath = join(dbDir, 'app.db');
    const db = new Database(dbPath);
    db.exec(TABLE);
    db.close();
    writeFileSync(join(dbDir, '.primary'), 'primary-node-1\n');
    const schemaPath = join(dir, 'schema.sql');
    writeFileSync(schemaPath, DECLARED);
    const configPath = join(dir, 'driftd.json');
    const target = kind === 'file' ? { name: 'app', database: dbPath, schema: schemaPath, repair: 'auto' } : { name: 'app', databases: `${root}/*/app.db`, schema: schemaPath, repair: 'auto' };
    writeFileSync(configPath, JSON.stringify({ http: { port: 0 }, targets: [target] }));
    const loaded = validateConfigFile(configPath, {});
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const quiet = () => undefined;
    const metrics = new DaemonMetrics({ version: 't', nodeVersion: 'v' });
    const daemon = new Daemon({ configPath, initial: loaded.validated, env: {}, logger: { debug: quiet, info: quiet, warn: quiet, error: quiet }, metrics });
    const before = readFileSync(dbPath);
    const mtime = statSync(dbPath).mtimeMs;
    const view = (): { state: string; held: string | null } => {
      if (kind === 'fleet') {
        const file = (daemon.fleetFiles({ target: 'app', state: 'all', limit: 10, offset: 0 }) as { files: Array<{ state: string; repairHeld: string | null }> }).files[0]!;
        return { state: file.state, held: file.repairHeld };
      }
      const report = daemon.status().targets[0] as TargetCycleReport;
      return { state: report.state, held: report.check?.repairHeld ?? null };
    };
    await daemon.runCycle();
    await daemon.runCycle();
    expect(view().state).toBe('held');
    expect(view().held).toMatch(/^replica: /);
    // Held drift is still drift: not in sync, its items counted (a fleet sums its held files too).
    const text = await metrics.text();
    expect(text).toContain('driftd_in_sync{target="app"} 0');
    expect(text).toContain('driftd_drift_items{target="app",table="t",kind="missing_index",safety="safe"} 1');
    expect(text).toContain('driftd_target_state{target="app",state="held"} 1');
    expect(readFileSync(dbPath).equals(before)).toBe(true);
    expect(statSync(dbPath).mtimeMs).toBe(mtime);
    // Promoted: LiteFS removes .primary on the primary; the next cycle repairs.
    rmSync(join(dbDir, '.primary'));
    await daemon.runCycle();
    expect(view().state).toMatch(/^(in_sync|repaired)$/);
    await daemon.stop();
  });
});
