import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatTimestamp } from '../../../src/reconcile/mapping/format-timestamp.js';

describe('formatTimestamp', () => {
  const at = Date.UTC(2025, 0, 2, 3, 4, 5, 67);

  it('pads every field, milliseconds and microseconds', () => {
    expect(formatTimestamp(at, { template: 'YYYY-MM-DDTHH:mm:ss.SSS|SSSSSS|ZZ', timeZone: 'utc' })).toBe('2025-01-02T03:04:05.067|067000|+00:00');
  });

  it('local time follows the process time zone, offset included (the built module in a child with TZ set)', () => {
    const module = new URL('../../../dist/reconcile/mapping/format-timestamp.js', import.meta.url).pathname;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', `const { formatTimestamp } = await import(${JSON.stringify(module)}); console.log(formatTimestamp(${at}, { template: 'YYYY-MM-DDTHH:mm:ss.SSSSSSZZ', timeZone: 'local' }));`], { env: { ...process.env, TZ: 'Asia/Kolkata' }, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('2025-01-02T08:34:05.067000+05:30');
  });

  it("the application's demo rows and a recovered row have one layout (config.example.json)", async () => {
    const { readFileSync } = await import('node:fs');
    const config = JSON.parse(readFileSync(new URL('../../../config.example.json', import.meta.url), 'utf8')) as { targets: Array<{ reconcile: Array<{ columns: Record<string, { format: unknown }> }> }> };
    const format = config.targets[0]!.reconcile[0]!.columns.creation_date!.format as { template: string; timeZone: 'utc' };
    // make-demo.mjs writes the app's rows as ISO without the zone letter: 2025-04-01T12:00:00.000
    const appRow = '2025-04-01T12:00:00.000';
    const recovered = formatTimestamp(Date.UTC(2025, 5, 11, 15, 0, 0, 0), format) as string;
    expect(recovered).toBe('2025-06-11T15:00:00.000');
    expect(recovered.replace(/\d/g, '9')).toBe(appRow.replace(/\d/g, '9'));
  });
});
