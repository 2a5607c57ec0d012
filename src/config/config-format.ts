import { z } from 'zod';
import { AUDIT_LIMITS, MAX_ROTATE_BYTES } from '../audit/bound-change.js';
import { reconcileRuleFormat } from '../reconcile/rule/reconcile-rule-format.js';

/**
 * The operator's config file, validated with zod. Unknown keys are errors (a
 * typo must not silently fall back to a default). Paths are resolved against
 * the config file's directory by `parseConfig`.
 */

/** A secret given inline or, better, read from the environment: `{"fromEnv": "DRIFTD_TOKEN"}`. */
const secretFormat = z.union([z.string().min(16, 'a token needs at least 16 characters'), z.strictObject({ fromEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/) })]);

const targetFormat = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'use 1-64 letters, digits, ".", "_" or "-" (it becomes a metric label)'),
  database: z.string().min(1).optional().describe('the one database file of this target (or use "databases")'),
  databases: z
    .string()
    .min(1)
    .optional()
    .describe('a fleet: a glob naming many database files, e.g. "tenants/*/app.sqlite" (*, ?, [...], **); the part before the first wildcard is the root, never left'),
  schema: z.string().min(1),
  repair: z.enum(['auto', 'report']).default('report'),
  ignoreTables: z.array(z.string().min(1)).default([]),
  columnOrder: z
    .enum(['report', 'ignore'])
    .default('report')
    .describe('"report": columns in another order than declared are column_order drift (unsafe, for applications that INSERT without a column list or SELECT *); "ignore": the order is not compared, for applications that name their columns (docs/drift-kinds.md "Column order")'),
  foreignKeysEnforced: z.boolean().default(true).describe('whether the application enforces foreign keys; decides if REFERENCES columns with defaults can be added'),
  repairUnderMigrationTool: z
    .boolean()
    .default(false)
    .describe('repair even when the database carries a migration tool\'s history table (alembic_version, schema_migrations, …); off: such a target is only reported (docs/declaring-schemas.md "Migration tools")'),
  reconcile: z.array(reconcileRuleFormat).default([]).describe('rules that recover rows from per-row directories (docs/reconcile.md)'),
  allowHardLinks: z
    .boolean()
    .default(false)
    .describe('open database files (and journals) with more than one hard link; off: such a file is refused with DB_HARD_LINKED, since a repair through one name corrupts the database under the other (docs/fleets.md "Hard links")'),
});

const fullCheckFormat = z.strictObject({
  everyCycles: z.number().int().min(1).max(1_000_000).default(120).describe('a full check runs after at most this many fast-path cycles of a target'),
  everySeconds: z.number().int().min(1).max(604_800).default(600).describe('and at least this often, whatever the fast path says'),
});

const repairBackoffFormat = z.strictObject({
  initialSeconds: z.number().int().min(1).max(86_400).default(30).describe('wait after the first failed repair of a target; doubles per failure'),
  maxSeconds: z.number().int().min(1).max(604_800).default(3600).describe('longest wait between repair attempts'),
});

/**
 * Every default lives in the zod shapes above and below, once: a nested section's default is `prefault({})`,
 * parsed through its own shape, so its keys' defaults are not written twice. Code that runs without a config
 * (a `TargetRunner` in a test, the library) takes its defaults from here.
 */
export const SETTING_DEFAULTS = {
  fullCheck: fullCheckFormat.parse({}),
  repairBackoff: repairBackoffFormat.parse({}),
} as const;

export const configFormat = z.strictObject({
  $schema: z.string().optional(),
  schedule: z.string().min(1).default('*/30 * * * * *').describe('node-cron expression (6 fields: with seconds)'),
  busyTimeoutMs: z.number().int().min(0).max(600_000).default(5000),
  debounceMs: z.number().int().min(0).max(60_000).default(250),
  watch: z.boolean().default(true),
  poolSize: z.number().int().min(1).max(64).default(4).describe('most SQLite connections fleet targets hold open at once (docs/fleets.md)'),
  http: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(9187),
      token: secretFormat.optional(),
      maxConnections: z.number().int().min(1).max(100_000).default(256).describe('most connections open at once: a new one beyond it closes the longest-idle one (refused only when all are busy)'),
      keepAliveTimeoutMs: z.number().int().min(0).max(600_000).default(5000).describe('an idle keep-alive socket is closed after this long'),
    })
    .prefault({}),
  backup: z
    .strictObject({
      enabled: z.boolean().default(false),
      dir: z.string().min(1).default('backups'),
      keep: z.number().int().min(1).max(1000).default(5),
    })
    .prefault({}),
  audit: z
    .strictObject({
      dir: z.string().min(1).optional().describe('where the audit journal lives; ~, $HOME, $XDG_STATE_HOME… expand; default: $STATE_DIRECTORY/audit under systemd, else $XDG_STATE_HOME/driftd/audit (~/.local/state/driftd/audit)'),
      maxBytes: z
        .number()
        .int()
        .min(4096)
        .max(MAX_ROTATE_BYTES, `at most ${MAX_ROTATE_BYTES} (32 MiB): a reader reads at most the last ${AUDIT_LIMITS.readBytes} bytes of a journal file, and a file rotated here must fit whole`)
        .default(8 * 1024 * 1024)
        .describe('the journal file is rotated once it reaches this size'),
      keep: z.number().int().min(1).max(1000).default(5).describe('rotated journal files kept'),
    })
    .prefault({}),
  fullCheck: fullCheckFormat.prefault({}),
  repairBackoff: repairBackoffFormat.prefault({}),
  targets: z.array(targetFormat).min(1, 'declare at least one target'),
});

export type ParsedConfigFormat = z.output<typeof configFormat>;
