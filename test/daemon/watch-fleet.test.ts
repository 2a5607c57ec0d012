// Issue 16, defect 7: the fleet watcher (chokidar) stat'ed and filtered every event, so a tenant renaming a junk
// file in its own directory as fast as it could starved the event loop (/livez at its timeout, the watchdog beat
// missing for 32-50 s). Names are now judged before any stat, and a flood of relevant events falls back to a sweep.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchFleet } from '../../src/daemon/watch-fleet.js';
import { parseFleetPattern } from '../../src/fleet/fleet-pattern.js';
import { tempDir } from '../support/temp-db.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function fleet(): { root: string; pattern: ReturnType<typeof parse> } {
  const root = join(tempDir('driftd-watch-fleet-'), 'tenants');
  for (const tenant of ['acme', 'globex']) {
    mkdirSync(join(root, tenant), { recursive: true });
    writeFileSync(join(root, tenant, 'app.db'), '');
  }
  return { root, pattern: parse(`${root}/*/app.db`) };
}

function parse(source: string) {
  const parsed = parseFleetPattern(source);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.pattern;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(10);
}

describe('watchFleet', () => {
  it('reports a database written (through its -wal or -journal too) and a new tenant directory that arrives with one', async () => {
    const { root, pattern } = fleet();
    const seen = new Set<string>();
    const watcher = watchFleet(pattern, 20, (changed) => changed.forEach((path) => seen.add(path)), () => undefined);
    await sleep(100);
    writeFileSync(join(root, 'acme', 'app.db-journal'), 'x');
    writeFileSync(join(root, 'acme', 'notes.txt'), 'x');
    await until(() => seen.has(join(root, 'acme', 'app.db')));
    const staged = join(root, '..', 'staged');
    mkdirSync(staged);
    writeFileSync(join(staged, 'app.db'), '');
    renameSync(staged, join(root, 'initech'));
    await until(() => seen.has(join(root, 'initech', 'app.db')));
    writeFileSync(join(root, 'initech', 'app.db-wal'), 'x');
    await sleep(100);
    expect([...seen].sort()).toEqual([join(root, 'acme', 'app.db'), join(root, 'initech', 'app.db')]);
    await watcher.close();
  });

  it('ignores a tenant renaming a junk file as fast as it can: nothing reported, no sweep asked for, and a real write still seen', async () => {
    const { root, pattern } = fleet();
    const seen = new Set<string>();
    let sweeps = 0;
    const watcher = watchFleet(pattern, 20, (changed) => changed.forEach((path) => seen.add(path)), () => undefined, { onSweep: () => sweeps++, maxEventsPerSecond: 50 });
    await sleep(100);
    const junk = [join(root, 'acme', 'junk-a'), join(root, 'acme', 'junk-b')];
    writeFileSync(junk[0]!, '');
    for (let i = 0; i < 5000; i++) renameSync(junk[i % 2]!, junk[(i + 1) % 2]!);
    writeFileSync(join(root, 'globex', 'app.db-journal'), 'x');
    await until(() => seen.has(join(root, 'globex', 'app.db')));
    await sleep(1500);
    expect([...seen]).toEqual([join(root, 'globex', 'app.db')]);
    expect(sweeps).toBe(0); // irrelevant names never count towards the flood limit
    await watcher.close();
  });

  it('falls back to one sweep when relevant events exceed the rate, once they subside', async () => {
    const { root, pattern } = fleet();
    let sweeps = 0;
    const watcher = watchFleet(pattern, 20, () => undefined, () => undefined, { onSweep: () => sweeps++, maxEventsPerSecond: 50 });
    await sleep(100);
    // Renames between two relevant names (inotify merges identical consecutive events, not these).
    const names = [join(root, 'acme', 'app.db-journal'), join(root, 'acme', 'app.db-wal')];
    writeFileSync(names[0]!, '');
    for (let i = 0; i < 2000; i++) renameSync(names[i % 2]!, names[(i + 1) % 2]!);
    await until(() => sweeps > 0);
    await sleep(1500);
    expect(sweeps).toBe(1);
    await watcher.close();
  });
});
