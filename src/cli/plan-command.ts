import { renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDeclaredSchemaOnDemand } from '../declared/load-declared-schema-on-demand.js';
import { targetDiffOptions } from '../diff/diff.js';
import { makePlan } from '../plan/make-plan.js';
import { EXIT, usageError, type CliIo, type ExitCode } from './cli-io.js';
import { resolveTargets, WITHOUT_CONFIG } from './resolve-target.js';

const OPTIONS = {
  db: { type: 'string' },
  schema: { type: 'string' },
  config: { type: 'string' },
  target: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean', default: false },
  'busy-timeout': { type: 'string' },
  'column-order': { type: 'string' },
} as const;

/**
 * `driftd plan (--db F --schema S | --config F [--target N]) --out PLAN`: writes the reviewed plan
 * of every table rebuild the database needs (src/plan/), reading the database read-only. Exit 0
 * when a plan was written or nothing needs a rebuild (no file then), 2 when refused (PLAN_REFUSED:
 * values a rebuild would change, with counts and rowids; nothing written) or on error.
 */
export async function planCommand(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let values;
  try {
    values = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw usageError(`driftd plan: ${(error as Error).message}`);
  }
  if (values.out === undefined) throw usageError('driftd plan: name the plan file to write: --out PLAN');
  const selection = await resolveTargets(values, io.env);
  if (selection.targets.length !== 1) throw usageError(`driftd plan: a plan is made for one database; name the target: --target (${selection.targets.map((t) => t.name).join(', ')})`);
  const target = selection.targets[0]!;
  if (target.kind === 'fleet') throw usageError(`driftd plan: target "${target.name}" is a fleet; plan one of its files with --db FILE --schema FILE, then apply it to the fleet: driftd apply PLAN --config FILE --target ${target.name}`);
  const busyTimeoutMs = values['busy-timeout'] !== undefined ? Number(values['busy-timeout']) : (selection.config?.busyTimeoutMs ?? WITHOUT_CONFIG.busyTimeoutMs);
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) throw usageError(`--busy-timeout takes milliseconds, got "${values['busy-timeout']}"`);
  const declared = await loadDeclaredSchemaOnDemand(target.schema);
  const result = makePlan({ dbPath: target.database, schemaPath: resolve(target.schema), declared: declared.schema, busyTimeoutMs, diff: targetDiffOptions(target) });
  const out = resolve(values.out);
  if (result.kind === 'nothing') {
    if (values.json) io.stdout(`${JSON.stringify({ database: target.database, plan: null, left: result.left })}\n`);
    else io.stdout(`${target.database}: nothing needs a table rebuild; no plan written${result.left.length > 0 ? ` (${result.left.length} other drift item${result.left.length === 1 ? '' : 's'}: driftd check)` : ''}\n`);
    return EXIT.ok;
  }
  // Written whole under a temporary name, then renamed: a plan file is never half there.
  const partial = `${out}.partial`;
  writeFileSync(partial, `${JSON.stringify(result.plan, null, 2)}\n`, { mode: 0o644 });
  renameSync(partial, out);
  const plan = result.plan;
  if (values.json) {
    io.stdout(`${JSON.stringify({ database: plan.database, plan: out, tables: plan.tables.map((t) => ({ table: t.table, steps: t.steps.length, because: t.because })), fingerprint: plan.fingerprint, left: plan.left })}\n`);
    return EXIT.ok;
  }
  const lines = [`plan written to ${out}: ${plan.tables.length} table rebuild${plan.tables.length === 1 ? '' : 's'} for ${plan.database}`];
  for (const table of plan.tables) {
    lines.push(`  "${table.table}" (${table.steps.length} statements): ${table.because.join('; ')}`);
    lines.push(`    -- ${table.rowids.why}`);
    for (const step of table.steps) lines.push(`    ${step.sql}`);
  }
  for (const item of plan.left) lines.push(`  not in the plan: ${item.detail} (${item.how})`);
  lines.push(`review it, then run: driftd apply ${out}`);
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
