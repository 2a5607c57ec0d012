import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { retryWhileBusy } from '../dist/daemon/retry-while-busy.js';
import { loadDeclaredSchema } from '../dist/declared/load-declared-schema.js';
import { ConnectionPool } from '../dist/fleet/connection-pool.js';
import { FleetRunner } from '../dist/fleet/fleet-runner.js';
const N = 2000;
const work = mkdtempSync(join(tmpdir(), 'i10-prof-'));
const root = join(work, 'tenants');
const st = [];
for (let t = 0; t < 50; t++) { st.push(`CREATE TABLE table_${t} (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '', size INTEGER DEFAULT 0, note TEXT, flag BOOLEAN DEFAULT 0);`); if (t % 2 === 0) st.push(`CREATE INDEX table_${t}_name ON table_${t} (name);`); }
writeFileSync(join(work, 's.sql'), st.join('\n'));
const tpl = join(work, 't.sqlite'); const db = new Database(tpl); db.pragma('page_size=1024'); db.exec(st.join('\n')); db.close();
const paths = [];
for (let i = 0; i < N; i++) { mkdirSync(join(root, 't' + i), { recursive: true }); copyFileSync(tpl, join(root, 't' + i, 'app.sqlite')); paths.push(join(root, 't' + i, 'app.sqlite')); }
const declared = loadDeclaredSchema(join(work, 's.sql'));
const pattern = `${root}/*/app.sqlite`;
const target = { name: 'x', database: pattern, fleet: { pattern, root }, schema: '', repair: 'auto', ignoreTables: [], foreignKeysEnforced: true, reconcile: [] };
const clock = () => performance.now();
function floor() { const s = performance.now(); for (const p of paths) { const d = new Database(p, { readonly: true, fileMustExist: true }); d.prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema').all(); d.close(); } return performance.now() - s; }
for (let k = 0; k < 3; k++) {
  const f = floor();
  const r = new FleetRunner('x', { pool: new ConnectionPool(4), retry: (a, b) => retryWhileBusy(a, { budgetMs: b, clock }), clock, now: () => new Date() });
  const s = performance.now(); await r.sweep(target, declared, { mode: 'repair', busyTimeoutMs: 5000, backup: null, reconcile: 'none' }); const sw = performance.now() - s;
  console.log('floor', f.toFixed(0), 'sweep', sw.toFixed(0), 'ratio', (sw / f).toFixed(2));
}
rmSync(work, { recursive: true });
