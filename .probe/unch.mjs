import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { retryWhileBusy } from '../dist/daemon/retry-while-busy.js';
import { loadDeclaredSchema } from '../dist/declared/load-declared-schema.js';
import { ConnectionPool } from '../dist/fleet/connection-pool.js';
import { FleetRunner } from '../dist/fleet/fleet-runner.js';
import { listFleet } from '../dist/fleet/list-fleet.js';
import { parseFleetPattern } from '../dist/fleet/fleet-pattern.js';
import { readDatabaseHeader } from '../dist/db/database-header.js';
const N = 3000;
const work = mkdtempSync(join(tmpdir(), 'i10-unch-'));
const root = join(work, 'tenants');
writeFileSync(join(work, 's.sql'), 'CREATE TABLE a (x);');
const tpl = join(work, 't.sqlite'); const db = new Database(tpl); db.exec('CREATE TABLE a (x);'); db.close();
const paths = [];
for (let i = 0; i < N; i++) { mkdirSync(join(root, 't' + i), { recursive: true }); copyFileSync(tpl, join(root, 't' + i, 'app.sqlite')); paths.push(join(root, 't' + i, 'app.sqlite')); }
const declared = loadDeclaredSchema(join(work, 's.sql'));
const pattern = `${root}/*/app.sqlite`;
const target = { name: 'x', database: pattern, fleet: { pattern, root }, schema: '', repair: 'auto', ignoreTables: [], foreignKeysEnforced: true, repairUnderMigrationTool: false, reconcile: [] };
const clock = () => performance.now();
const r = new FleetRunner('x', { pool: new ConnectionPool(4), retry: (a, b) => retryWhileBusy(a, { budgetMs: b, clock }), clock, now: () => new Date() });
await r.sweep(target, declared, { mode: 'repair', busyTimeoutMs: 5000, backup: null, reconcile: 'none' });
const buf = Buffer.alloc(100);
const t = (f) => { const s = performance.now(); f(); return (performance.now() - s).toFixed(1); };
for (let k = 0; k < 3; k++) {
  const floor = t(() => { for (const p of paths) { statSync(p); const fd = openSync(p, 'r'); readSync(fd, buf, 0, 100, 0); closeSync(fd); } });
  const hdr = t(() => { for (const p of paths) readDatabaseHeader(p); });
  let s = performance.now(); await listFleet(parseFleetPattern(pattern).pattern); const list = (performance.now() - s).toFixed(1);
  s = performance.now(); await r.sweep(target, declared, { mode: 'repair', busyTimeoutMs: 5000, backup: null, reconcile: 'none' }); const sw = (performance.now() - s).toFixed(1);
  console.log({ floor, hdr, list, sweep: sw });
}
rmSync(work, { recursive: true });
