#!/usr/bin/env node
// One driftd cycle as the daemon runs it — repair the schema, then reconcile orphan directories —
// in its own process, so the crash-torture harness can SIGKILL it at any instant.
// usage: node torture-cycle.mjs CONFIG_FILE
// Prints "ready <ms>" once everything is loaded (the harness's clock for the kill starts there),
// then "repaired <ms> <steps>" and "reconciled <ms> <rows>" as each step commits.
import { writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../..'), 'dist');
const { loadConfig } = await import(join(dist, 'config/load-config.js'));
const { loadDeclaredSchema } = await import(join(dist, 'declared/load-declared-schema.js'));
const { checkDatabase } = await import(join(dist, 'check/check-database.js'));
const { reconcileTarget } = await import(join(dist, 'reconcile/reconcile-target.js'));
const { AuditJournal } = await import(join(dist, 'audit/audit-journal.js'));
const { resolvePending } = await import(join(dist, 'audit/resolve-pending.js'));

const loaded = loadConfig(process.argv[2]);
if (!loaded.ok) {
  process.stderr.write(JSON.stringify(loaded.problems) + '\n');
  process.exit(2);
}
const target = loaded.config.targets[0];
const declared = loadDeclaredSchema(target.schema).schema;
// The audit trail as a start does it: answer the intents of a killed run from the database, then record every change.
const journal = new AuditJournal(loaded.config.audit);
resolvePending(journal);
const audit = journal.sink({ target: target.name, database: target.database, cycle: null, source: 'cli' });
const started = performance.now();
const say = (line) => writeSync(1, `${line} ${(performance.now() - started).toFixed(3)}\n`);

say('ready');
const report = await checkDatabase({ dbPath: target.database, declared, mode: 'repair', busyTimeoutMs: 10_000, audit });
say(`repaired ${report.applied.length}`);
const reports = await reconcileTarget({ dbPath: target.database, rules: target.reconcile, mode: 'apply', busyTimeoutMs: 10_000, audit });
// A failed rule is reported, not thrown: fail as loudly as a thrown error did.
for (const r of reports) if (r.error) throw new Error(`${r.error.code}: ${r.error.message}`);
say(`reconciled ${reports.reduce((sum, r) => sum + r.recovered.length, 0)}`);
