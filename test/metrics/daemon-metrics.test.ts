import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DaemonMetrics } from '../../src/metrics/daemon-metrics.js';

const hasPromtool = spawnSync('promtool', ['--version']).status === 0;
if (!hasPromtool) console.warn('SKIPPED promtool check: promtool is not installed (apt-get install prometheus; .ci/run installs it)');

/** A registry with every metric family populated, as a daemon that found drift, repaired and recovered shows it. */
function populated(): DaemonMetrics {
  const metrics = new DaemonMetrics({ version: '0.1.0', nodeVersion: process.version });
  metrics.addTarget('app');
  metrics.checkRan('app', 0.002);
  metrics.checkFailed('app', 'DB_BUSY');
  metrics.checkSucceeded('app', 1_700_000_000);
  metrics.targetState({ target: 'app', up: true, inSync: false, drift: [{ table: 'fine_tuned_models', kind: 'column_type', safe: false }], extras: [{ kind: 'extra_table' }] });
  metrics.repairApplied('app', 'fine_tuned_models', 'missing_column');
  metrics.targetStateIs('app', 'drifted');
  metrics.reconcileRound('app', [{ table: 'fine_tuned_models', orphans: 2, recovered: 2, dangling: 1, skipped: 0 }]);
  metrics.cycleSkipped();
  metrics.configLoaded(true, 1_700_000_000);
  return metrics;
}

describe('DaemonMetrics', () => {
  it('exposes exactly the contract names, on its own registry', async () => {
    const text = await populated().text();
    const names = new Set([...text.matchAll(/^# TYPE (driftd_\w+) /gm)].map((match) => match[1]));
    expect([...names].sort()).toEqual(
      [
        'driftd_build_info', 'driftd_checks_total', 'driftd_check_failures_total', 'driftd_check_duration_seconds',
        'driftd_last_successful_check_timestamp_seconds', 'driftd_in_sync', 'driftd_target_up', 'driftd_drift_items',
        'driftd_extra_items', 'driftd_repairs_total', 'driftd_repair_failures_total', 'driftd_database_busy_total',
        'driftd_orphan_directories', 'driftd_recovered_rows_total', 'driftd_dangling_rows', 'driftd_skipped_directories',
        'driftd_cycles_skipped_total', 'driftd_config_last_reload_successful', 'driftd_config_last_reload_success_timestamp_seconds',
        // fleets (issue 10): files per target and state, files dropped
        'driftd_fleet_files', 'driftd_fleet_files_dropped_total',
        // issue 16: the one state table, one series per state
        'driftd_target_state',
      ].sort(),
    );
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    expect(text).toContain('driftd_drift_items{target="app",table="fine_tuned_models",kind="column_type",safety="unsafe"} 1');
    expect(text).toContain('driftd_database_busy_total{target="app"} 1');
    // Two daemons never share series.
    expect(await new DaemonMetrics({ version: 'x', nodeVersion: 'y' }).text()).not.toContain('target="app"');
  });

  it('removes drift series that are gone, and every series of a removed target', async () => {
    const metrics = populated();
    metrics.targetState({ target: 'app', up: true, inSync: true, drift: [], extras: [] });
    expect(await metrics.text()).not.toContain('driftd_drift_items{');
    metrics.removeTarget('app');
    expect(await metrics.text()).not.toContain('target="app"');
  });

  it.skipIf(!hasPromtool)('passes promtool check metrics', async () => {
    const result = spawnSync('promtool', ['check', 'metrics'], { input: await populated().text(), encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('DaemonMetrics text', () => {
  it('shows every driftd change at once, even right after a render', async () => {
    const metrics = new DaemonMetrics({ version: '0.1.0', nodeVersion: process.version });
    metrics.addTarget('app');
    expect(await metrics.text()).toContain('driftd_checks_total{target="app"} 0');
    metrics.checkRan('app', 0.001);
    expect(await metrics.text()).toContain('driftd_checks_total{target="app"} 1');
    const [first, second] = await Promise.all([metrics.text(), metrics.text()]);
    expect(second).toBe(first);
    metrics.cycleSkipped();
    expect(await metrics.text()).toContain('driftd_cycles_skipped_total 1');
  });
});
