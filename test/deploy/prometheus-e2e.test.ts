// The real-Prometheus end-to-end script (scripts/e2e-prometheus.mjs, `npm run e2e:prometheus`) runs
// in CI too: about 10 s. It needs the `prometheus` binary from Debian's package, which .ci/run
// installs; without it the test is skipped locally and fails in CI.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const hasPrometheus = spawnSync('prometheus', ['--version']).status === 0;
const inCi = process.env.CI === 'true' || process.env.CI === '1' || process.env.DRIFTD_REQUIRE_PROMTOOL === '1';

describe('real Prometheus scraping a real daemon', () => {
  it.runIf(hasPrometheus || inCi)('sees drift, repair, recovered rows and pending alerts through its query API', { timeout: 180_000 }, () => {
    const result = spawnSync(process.execPath, [join(repo, 'scripts/e2e-prometheus.mjs')], { encoding: 'utf8', timeout: 170_000 });
    const output = `${result.stdout}\n${result.stderr}`;
    expect(output).toContain("checks passed through Prometheus's query API");
    expect(result.status, output).toBe(0);
  });
});
