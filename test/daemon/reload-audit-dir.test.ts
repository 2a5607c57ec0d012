// A reload that changes audit.dir takes effect (issue 14 item 7): the journal switches between
// cycles, the next change is recorded in the new directory and read from it by /events. (A reload
// to a directory on a read-only mount is refused by the same validation as `driftd validate`:
// test/cli/validate-unit.test.ts.)
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditJournal } from '../../src/audit/audit-journal.js';
import { DaemonProcess, SCHEMA_SQL, eventually, sqlInChild, tempDir } from '../helpers/daemon-process.js';

const running: DaemonProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((daemon) => daemon.stop('SIGKILL')));
});

const LEGACY = 'CREATE TABLE fine_tuned_models (id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL, is_custom_base_model BOOLEAN DEFAULT 0);';
const entriesIn = (dir: string) => new AuditJournal({ dir, maxBytes: 8 << 20, keep: 5 }).entries();

describe('reloading audit.dir', () => {
  it('switches the journal: the next repair is recorded in the new directory, and /events reads it', async () => {
    const dir = tempDir('driftd-reload-audit-');
    writeFileSync(join(dir, 'schema.sql'), SCHEMA_SQL);
    sqlInChild(join(dir, 'one.db'), LEGACY);
    sqlInChild(join(dir, 'two.db'), LEGACY);
    const target = (name: string) => ({ name, database: `${name}.db`, schema: 'schema.sql', repair: 'auto' });
    const config = (audit: string, targets: unknown[]) => JSON.stringify({ schedule: '0 0 0 1 1 *', watch: false, http: { port: 0 }, audit: { dir: audit }, targets });
    const path = join(dir, 'driftd.json');
    writeFileSync(path, config('first', [target('one')]));
    const daemon = await DaemonProcess.start(path);
    running.push(daemon);
    await eventually(() => entriesIn(join(dir, 'first')).length === 1, 20_000, 'the first repair in the first journal');

    writeFileSync(path, config('second', [target('one'), target('two')]));
    daemon.signal('SIGHUP');
    const switched = await daemon.waitForLog((line) => line.msg === 'audit journal switched');
    expect(switched).toMatchObject({ previous: join(dir, 'first'), audit: { dir: join(dir, 'second') } });
    const recorded = await eventually(() => {
      const entries = entriesIn(join(dir, 'second'));
      return entries.length === 1 ? entries : null;
    }, 20_000, 'the second target\'s repair in the second journal');
    expect(recorded![0]).toMatchObject({ target: 'two', kind: 'repair', outcome: 'applied', database: join(dir, 'two.db') });
    expect(entriesIn(join(dir, 'first')).map((entry) => entry.target)).toEqual(['one']);
    const events = await daemon.json('/events');
    expect(events.journal).toBe(join(dir, 'second', 'audit.jsonl'));
    expect(events.entries.map((entry: { target: string }) => entry.target)).toEqual(['two']);
    expect(daemon.lines.some((line) => line.msg === 'audit journal settings take effect on restart only')).toBe(false);
    expect(existsSync(join(dir, 'second', 'audit.jsonl'))).toBe(true);
  });
});
