import { resolve } from 'node:path';
import type { Config, TargetConfig } from '../config/parse-config.js';
import type { ColumnOrderPolicy } from '../diff/diff.js';
import type { TargetKind } from '../pipeline/target-kind.js';
import { DriftdError } from '../errors/driftd-error.js';
import { usageError } from './cli-io.js';

/**
 * What a command uses where a config would say (`--db/--schema`, no config file): the config's
 * defaults (src/config/config-format.ts, their one home), written here because the ad-hoc form does
 * not load the config parser; test/config/defaults-without-config.test.ts fails when they differ.
 */
export const WITHOUT_CONFIG = { busyTimeoutMs: 5000, backupKeep: 5, poolSize: 4 } as const;

/** A target with its kind (pipeline/target-kind.ts): the commands run it through their table of kinds. */
export type SelectedTarget = TargetConfig & { readonly kind: TargetKind };

export interface TargetSelection {
  readonly config: Config | null;
  readonly targets: readonly SelectedTarget[];
}

/**
 * `--db FILE --schema FILE` names one ad-hoc target; `--config FILE [--target NAME]`
 * names the config's targets (all, or one). Exactly one form must be used.
 * The config parser (zod, node-cron) is imported only for `--config`: the ad-hoc
 * form starts without it.
 */
export async function resolveTargets(
  values: { db?: string | undefined; schema?: string | undefined; config?: string | undefined; target?: string | undefined; 'column-order'?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): Promise<TargetSelection> {
  if (values.config !== undefined) {
    if (values.db !== undefined || values.schema !== undefined) throw usageError('use either --config [--target] or --db with --schema, not both');
    if (values['column-order'] !== undefined) throw usageError('--column-order goes with --db/--schema; a config target says it with its "columnOrder" key');
    const [{ loadConfig }, { configProblemsError }, { targetKind }] = await Promise.all([import('../config/load-config.js'), import('../config/parse-config.js'), import('../pipeline/target-kind.js')]);
    const loaded = loadConfig(values.config, env);
    if (!loaded.ok) throw configProblemsError(resolve(values.config), loaded.problems);
    const targets = values.target === undefined ? loaded.config.targets : loaded.config.targets.filter((target) => target.name === values.target);
    if (targets.length === 0) {
      throw new DriftdError('CONFIG_TARGET_UNKNOWN', `config "${loaded.config.source}" has no target "${values.target}"`, {
        hint: `known targets: ${loaded.config.targets.map((target) => target.name).join(', ')}`,
      });
    }
    return { config: loaded.config, targets: targets.map((target) => ({ ...target, kind: targetKind(target) })) };
  }
  if (values.target !== undefined) throw usageError('--target needs --config');
  if (values.db === undefined || values.schema === undefined) throw usageError('name the database and the schema: --db FILE --schema FILE (or --config FILE)');
  const columnOrder = columnOrderFlag(values['column-order']);
  // The ad-hoc target is one file (and `check --db` loads no more than it needs: its kind is written here).
  return {
    config: null,
    targets: [{ kind: 'file', name: 'cli', database: resolve(values.db), schema: resolve(values.schema), repair: 'auto', ignoreTables: [], columnOrder, foreignKeysEnforced: true, repairUnderMigrationTool: false, reconcile: [] }],
  };
}

/** `--column-order report|ignore` (docs/cli.md): whether the ad-hoc target compares column order; default report. */
function columnOrderFlag(value: string | undefined): ColumnOrderPolicy {
  if (value === undefined || value === 'report' || value === 'ignore') return value ?? 'report';
  throw usageError(`--column-order takes "report" or "ignore", got "${value}"`);
}
