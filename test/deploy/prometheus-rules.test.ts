// The shipped alert rules and Grafana dashboard, checked by Prometheus's own tool. promtool comes
// from Debian's `prometheus` package; .ci/run installs it. Without it the test is skipped locally
// and fails in CI (CI=true, or DRIFTD_REQUIRE_PROMTOOL=1 as .ci/run sets), so a CI run can never pass without having checked the rules.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXTRA_KINDS } from '../../src/diff/drift.js';
import { DRIFT_KINDS } from '../../src/repair/drift-kind-rules.js';

const repo = resolve(import.meta.dirname, '../..');
const alerts = join(repo, 'deploy/prometheus/alerts.yml');
const alertTests = join(repo, 'deploy/prometheus/alerts.test.yml');
const recording = join(repo, 'deploy/prometheus/recording.yml');
const recordingTests = join(repo, 'deploy/prometheus/recording.test.yml');
const dashboard = join(repo, 'deploy/grafana/driftd-dashboard.json');
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;
const inCi = process.env.CI === 'true' || process.env.CI === '1' || process.env.DRIFTD_REQUIRE_PROMTOOL === '1';

/** The metric names of the shared contract (HELPER_BRIEF / src/metrics), plus Prometheus's own `up`. */
const CONTRACT_METRICS = new Set([
  'driftd_build_info',
  'driftd_checks_total',
  'driftd_check_failures_total',
  'driftd_check_duration_seconds_bucket',
  'driftd_last_successful_check_timestamp_seconds',
  'driftd_in_sync',
  'driftd_target_up',
  'driftd_drift_items',
  'driftd_extra_items',
  'driftd_repairs_total',
  'driftd_repair_failures_total',
  'driftd_database_busy_total',
  'driftd_orphan_directories',
  'driftd_recovered_rows_total',
  'driftd_dangling_rows',
  'driftd_skipped_directories',
  'driftd_cycles_skipped_total',
  'driftd_config_last_reload_successful',
  'driftd_config_last_reload_success_timestamp_seconds',
  'driftd_fleet_files',
  'driftd_fleet_files_dropped_total',
  'driftd_target_state',
  'process_resident_memory_bytes',
  'process_open_fds',
  'nodejs_eventloop_lag_p99_seconds',
  'up',
]);

function promtool(...args: string[]) {
  const result = spawnSync('promtool', args, { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function dashboardExpressions(): string[] {
  const parsed = JSON.parse(readFileSync(dashboard, 'utf8')) as { panels: { targets: { expr: string }[] }[] };
  return parsed.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
}

const metricNamesIn = (expr: string) =>
  [...expr.matchAll(/\b((?:driftd|process|nodejs)_[a-z0-9_]+|up)\s*[{[(]/g)].map((match) => match[1]!);

describe('deploy/prometheus', () => {
  const work = mkdtempSync(join(tmpdir(), 'driftd-promtool-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('has promtool available (required in CI)', () => {
    if (!hasPromtool && inCi) {
      expect.fail('promtool is missing: .ci/run installs Debian\'s "prometheus" package; install it with apt-get install prometheus');
    }
  });

  it.skipIf(!hasPromtool)('alerts.yml passes promtool check rules', () => {
    const result = promtool('check', 'rules', alerts);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it.skipIf(!hasPromtool)('alerts.test.yml unit tests pass (promtool test rules)', () => {
    const result = promtool('test', 'rules', alertTests);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it.skipIf(!hasPromtool)('recording.yml (fleet aggregation over many hosts) passes promtool check and its unit tests', () => {
    const checked = promtool('check', 'rules', recording);
    expect(checked.output).toContain('SUCCESS: 6 rules found');
    const tested = promtool('test', 'rules', recordingTests);
    expect(tested.output).toContain('SUCCESS');
    expect(tested.status).toBe(0);
  });

  it.skipIf(!hasPromtool)('the recording rule tests fail when an aggregation is wrong (they can fail)', () => {
    writeFileSync(join(work, 'recording.yml'), readFileSync(recording, 'utf8').replace('sum by (job, target) (driftd_fleet_files{state="drifted"}) / sum by (job, target) (driftd_fleet_files)', 'sum by (job, target) (driftd_fleet_files{state="drifted"}) / count by (job, target) (driftd_fleet_files)'));
    writeFileSync(join(work, 'recording.test.yml'), readFileSync(recordingTests, 'utf8'));
    const result = promtool('test', 'rules', join(work, 'recording.test.yml'));
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('job_target:driftd_fleet_files_drifted:ratio');
  });

  it.skipIf(!hasPromtool)('the rule unit tests fail when a threshold is broken (they can fail)', () => {
    const broken = readFileSync(alerts, 'utf8').replace('driftd_in_sync == 0', 'driftd_in_sync == 2');
    writeFileSync(join(work, 'alerts.yml'), broken);
    writeFileSync(join(work, 'alerts.test.yml'), readFileSync(alertTests, 'utf8'));
    const result = promtool('test', 'rules', join(work, 'alerts.test.yml'));
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('DriftdSchemaDrift');
  });

  it('every alert and dashboard query uses only contract metric names', () => {
    const ruleExprs = [...`${readFileSync(alerts, 'utf8')}${readFileSync(recording, 'utf8')}`.matchAll(/^\s*expr: (.+)$/gm)].map((match) => match[1]!);
    const used = [...ruleExprs, ...dashboardExpressions()].flatMap(metricNamesIn);
    expect(used.length).toBeGreaterThan(20);
    expect(used.filter((name) => !CONTRACT_METRICS.has(name))).toEqual([]);
  });

  it('every kind an alert or a dashboard query names is a kind driftd reports (a renamed kind breaks this)', () => {
    const ruleExprs = [...readFileSync(alerts, 'utf8').matchAll(/^\s*expr: (.+)$/gm)].map((match) => match[1]!);
    const named = [...ruleExprs, ...dashboardExpressions()].flatMap((expr) =>
      [...expr.matchAll(/\bkind\s*(?:=~|!=|=|!~)\s*"([^"]+)"/g)].flatMap((match) => match[1]!.split('|')),
    );
    expect(named).toEqual(expect.arrayContaining(['stale_fts_index', 'missing_trigger', 'view_definition', 'extra_view']));
    const known = new Set<string>([...DRIFT_KINDS, ...EXTRA_KINDS]);
    expect(named.filter((kind) => !known.has(kind))).toEqual([]);
  });

  it.skipIf(!hasPromtool)('every dashboard query is valid PromQL (checked as recording rules)', () => {
    // Grafana variables are substituted with what Grafana would send, then promtool parses them.
    const rules = dashboardExpressions().map((expr, index) => {
      const promql = expr.replaceAll('$__rate_interval', '1m').replaceAll('$job', '.*').replaceAll('$target', '.*');
      return `      - record: driftd_dashboard:panel_${index}\n        expr: ${JSON.stringify(promql)}\n`;
    });
    const file = join(work, 'dashboard-rules.yml');
    writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('')}`);
    const result = promtool('check', 'rules', file);
    expect(result.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(result.status).toBe(0);
  });
});
