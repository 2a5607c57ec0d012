/**
 * The CLI's help text, one entry per command (after git's `git help <cmd>` / `<cmd> -h` and
 * systemctl's option lists): usage, what it does, every option described, exit codes and
 * examples. Pure text; `main` prints it for `driftd help [CMD]`, `driftd CMD --help` and `-h`,
 * and loads no command module to do so.
 */

export interface CommandHelp {
  readonly usage: string;
  readonly summary: string;
  /** `[flag, description]`: the flag as typed, with its value's name. */
  readonly options: ReadonlyArray<readonly [string, string]>;
  readonly exitCodes: string;
  readonly examples: readonly string[];
  readonly docs: string;
}

const TARGET_OPTIONS: ReadonlyArray<readonly [string, string]> = [
  ['--db FILE', 'the SQLite database file (with --schema; instead of --config)'],
  ['--schema FILE', 'the declared schema, .sql or .json (docs/declaring-schemas.md)'],
  ['--config FILE', 'a driftd config: every target in it, in order (docs/daemon.md#config)'],
  ['--target NAME', 'with --config: only this target'],
];
const JSON_OPTION: readonly [string, string] = ['--json', 'print one JSON object instead of text (the shape is in the docs page)'];
const BUSY_OPTION: readonly [string, string] = [
  '--busy-timeout MS',
  'how long to wait for a database another process holds locked before DB_BUSY (default: the config\'s "busyTimeoutMs", else 5000)',
];
const COLUMN_ORDER_OPTION: readonly [string, string] = [
  '--column-order report|ignore',
  'with --db/--schema: "ignore" leaves out column_order drift, for applications that name their columns in every INSERT and SELECT (as a target\'s "columnOrder"; default report; docs/drift-kinds.md#column-order)',
];
const HELP_OPTION: readonly [string, string] = ['-h, --help', 'show this help and exit 0'];

export const COMMAND_HELP: Readonly<Record<string, CommandHelp>> = {
  check: {
    usage: 'driftd check (--db FILE --schema FILE [--column-order report|ignore] | --config FILE [--target NAME]) [--json] [--busy-timeout MS]',
    summary:
      'Compares a database with its declared schema and lists every drift item with its safety verdict: for a safe item the SQL that would repair it, for an unsafe one the statements to run by hand (or `driftd plan`). Opens the database read-only; changes nothing.',
    options: [...TARGET_OPTIONS, COLUMN_ORDER_OPTION, JSON_OPTION, BUSY_OPTION, HELP_OPTION],
    exitCodes: '0 in sync, 1 drift found, 2 error (one line on stderr: CODE: message (hint: …))',
    examples: ['driftd check --db ~/.local/share/ModelForge/database/modelforge.sqlite --schema schemas/modelforge.sql', 'driftd check --config /etc/driftd/config.json --target modelforge --json'],
    docs: 'docs/cli.md',
  },
  repair: {
    usage: 'driftd repair (--db FILE --schema FILE [--column-order report|ignore] | --config FILE [--target NAME]) [--dry-run] [--backup DIR] [--under-migration-tool] [--json] [--busy-timeout MS]',
    summary:
      'Applies the safe, additive repairs (missing tables, columns ADD COLUMN can add, indexes, views, triggers) in one BEGIN IMMEDIATE transaction and reports what is left. Never drops or rewrites data.',
    options: [
      ...TARGET_OPTIONS,
      ['--dry-run', 'print exactly the statements that would run; change nothing'],
      ['--backup DIR', 'first copy the database into DIR with SQLite\'s online backup API'],
      ['--under-migration-tool', 'repair even though a migration tool\'s history table is present (as "repairUnderMigrationTool": true)'],
      COLUMN_ORDER_OPTION,
      JSON_OPTION,
      BUSY_OPTION,
      HELP_OPTION,
    ],
    exitCodes: '0 in sync (after repairing), 1 drift left that driftd does not repair automatically, 2 error (nothing changed)',
    examples: ['driftd repair --db app.sqlite --schema schema.sql --dry-run', 'driftd repair --config /etc/driftd/config.json --backup /var/lib/driftd/backups'],
    docs: 'docs/cli.md',
  },
  plan: {
    usage: 'driftd plan (--db FILE --schema FILE [--column-order report|ignore] | --config FILE [--target NAME]) --out PLAN [--json] [--busy-timeout MS]',
    summary:
      'Plans the table rebuilds for what SQLite cannot change in place (a column type, NOT NULL, default, collation, primary key, generated column, UNIQUE, foreign key, STRICT, WITHOUT ROWID) and writes them to PLAN: every statement of SQLite\'s 12 steps, readable, with a fingerprint of the live schema. Reads the database only; refuses (nothing written) when a conversion would change a stored value, naming the rows.',
    options: [
      ['--db FILE', 'the SQLite database file (with --schema; instead of --config)'],
      ['--schema FILE', 'the declared schema, .sql or .json (docs/declaring-schemas.md)'],
      ['--config FILE', 'a driftd config: one of its targets (not a fleet: plan one of its files with --db)'],
      ['--target NAME', 'with --config: the target to plan (needed when the config has several)'],
      ['--out PLAN', 'the plan file to write (JSON; review it, then driftd apply PLAN)'],
      COLUMN_ORDER_OPTION,
      JSON_OPTION,
      BUSY_OPTION,
      HELP_OPTION,
    ],
    exitCodes: '0 plan written, or nothing needs a rebuild (no file), 2 refused (PLAN_REFUSED: counts and rowids on stderr) or error',
    examples: ['driftd plan --db app.sqlite --schema schema.sql --out rebuild.plan.json', 'driftd plan --config /etc/driftd/config.json --target app --out /tmp/app.plan.json'],
    docs: 'docs/cli.md#driftd-plan-and-driftd-apply-table-rebuilds-from-a-reviewed-plan',
  },
  apply: {
    usage: 'driftd apply PLAN [--backup DIR] [--config FILE [--target FLEET]] [--full-integrity-check] [--json] [--busy-timeout MS]',
    summary:
      'Runs a plan driftd plan wrote, in one BEGIN IMMEDIATE transaction, with foreign keys off on its own connection: a verified backup first, then the rebuilds, and before COMMIT the proof that every row, value, index, trigger, view and AUTOINCREMENT counter was kept. Refuses a plan whose schema changed since (PLAN_STALE, nothing written).',
    options: [
      ['--backup DIR', 'where the verified backup goes (default: the config\'s backup.dir, else $XDG_STATE_HOME/driftd/backups)'],
      ['--config FILE', 'record into this config\'s audit journal and use its backup.dir'],
      ['--target FLEET', 'with --config: apply the plan to every file of this fleet target, the canary first, stopping at the first failure (run again to resume)'],
      ['--full-integrity-check', 'PRAGMA integrity_check of the backup and of each rebuilt table (every row looked up in every index) instead of quick_check and the index entry counts; on a large table it costs more than the rebuild itself'],
      JSON_OPTION,
      BUSY_OPTION,
      HELP_OPTION,
    ],
    exitCodes: '0 applied (or already applied), 2 refused (PLAN_STALE, PLAN_INVALID) or failed and rolled back (APPLY_VERIFY_FAILED, APPLY_STEP_FAILED, BACKUP_FAILED)',
    examples: ['driftd apply rebuild.plan.json', 'driftd apply tenants.plan.json --config /etc/driftd/config.json --target tenants'],
    docs: 'docs/cli.md#driftd-plan-and-driftd-apply-table-rebuilds-from-a-reviewed-plan',
  },
  reconcile: {
    usage: 'driftd reconcile --config FILE [--target NAME] [--dry-run] [--strict] [--json] [--busy-timeout MS]',
    summary:
      'Recovers rows lost by failed inserts from the per-row directories the application left on disk (the config\'s "reconcile" rules), in one BEGIN IMMEDIATE round per rule; reports dangling rows and skipped directories, never deletes anything.',
    options: [
      ['--config FILE', 'the driftd config whose targets carry "reconcile" rules'],
      ['--target NAME', 'only this target'],
      ['--dry-run', 'list the rows that would be inserted; insert nothing'],
      ['--strict', 'exit 1 when a directory was skipped (by default a reported skip does not fail the run)'],
      JSON_OPTION,
      BUSY_OPTION,
      HELP_OPTION,
    ],
    exitCodes: '0 nothing left that driftd would do (dangling rows and skipped directories are reported only), 1 orphans remain (dry run, report-only target, blocked by drift) or, with --strict, a directory was skipped, 2 error',
    examples: ['driftd reconcile --config config.example.json --dry-run', 'driftd reconcile --config ~/.config/driftd/config.json --target modelforge'],
    docs: 'docs/reconcile.md#driftd-reconcile',
  },
  run: {
    usage: 'driftd run --config FILE [--log-level trace|debug|info|warn|error] [--once]',
    summary:
      'Runs the daemon: checks (and, per target, repairs and reconciles) on a schedule and whenever a database, schema or the config changes; serves /status, /metrics, /livez, /readyz and the status page on 127.0.0.1; reloads the config on SIGHUP. JSON log lines on stdout.',
    options: [
      ['--config FILE', 'the driftd config (validated first; a bad one is refused with every problem)'],
      ['--log-level LEVEL', 'trace, debug, info (default), warn or error'],
      ['--once', 'run one cycle over every target and exit (0 when it completed)'],
      HELP_OPTION,
    ],
    exitCodes: '0 stopped cleanly (SIGTERM/SIGINT, or --once done), 2 error (bad config, port in use, …)',
    examples: ['driftd run --config /etc/driftd/config.json', 'driftd run --config config.example.json --once --log-level debug'],
    docs: 'docs/daemon.md',
  },
  validate: {
    usage: 'driftd validate --config FILE [--unit UNIT [--user]] [--json]',
    summary:
      'Checks a config and every schema file it names, and prints every problem with its config path; opens no database. A directory the config makes driftd write (database directories, audit.dir, backup.dir) that is read-only where it runs (inside a unit\'s sandbox, as ExecStartPre) is a problem (CONFIG_PATH_READ_ONLY).',
    options: [
      ['--config FILE', 'the driftd config to check'],
      ['--unit UNIT', 'also check the config\'s write paths against this systemd unit file\'s ProtectSystem=/ProtectHome=/ReadWritePaths=/StateDirectory= (from any shell, before installing it)'],
      ['--user', 'with --unit: it is a user unit (%h, %E are your home and config directory)'],
      JSON_OPTION,
      HELP_OPTION,
    ],
    exitCodes: '0 valid, 2 invalid (each problem on its own line)',
    examples: [
      'driftd validate --config /etc/driftd/config.json --unit /etc/systemd/system/driftd.service',
      'driftd validate --config ~/.config/driftd/config.json --unit ~/.config/systemd/user/driftd.service --user',
      'driftd validate --config config.example.json --json',
    ],
    docs: 'docs/daemon.md',
  },
  history: {
    usage: 'driftd history [--config FILE] [--target NAME] [--since TIME] [--limit N] [--json]',
    summary: 'Prints the audit trail oldest first: every repair statement, recovered row and backup driftd made, with its time, target, cycle (or cli), outcome and database. Reads only.',
    options: [
      ['--config FILE', 'read that config\'s journal ("audit.dir"); without it, the journal of --db/--schema commands ($XDG_STATE_HOME/driftd/audit)'],
      ['--target NAME', 'only this target\'s entries'],
      ['--since TIME', 'an ISO 8601 time, or a duration back from now: 90s, 30m, 12h, 7d'],
      ['--limit N', 'keep the newest N entries (default 1000)'],
      JSON_OPTION,
      HELP_OPTION,
    ],
    exitCodes: '0 (also when there is nothing), 2 error (AUDIT_UNREADABLE, a config problem, a bad option)',
    examples: ['driftd history --config config.example.json --since 1h', 'driftd history --config /etc/driftd/config.json --target modelforge --json'],
    docs: 'docs/cli.md#driftd-history',
  },
  version: {
    usage: 'driftd version | --version | -V',
    summary: 'Prints `driftd VERSION`, the version of the installed package (the daemon exports it as driftd_build_info{version}).',
    options: [HELP_OPTION],
    exitCodes: '0',
    examples: ['driftd --version'],
    docs: 'docs/cli.md',
  },
  help: {
    usage: 'driftd help [COMMAND] | driftd COMMAND --help | driftd COMMAND -h',
    summary: 'Prints the list of commands, or one command\'s usage, options, exit codes and examples.',
    options: [HELP_OPTION],
    exitCodes: '0 (2 for an unknown command)',
    examples: ['driftd help check', 'driftd reconcile --help'],
    docs: 'docs/cli.md',
  },
};

/** The help of one command, laid out for a terminal. */
export function commandHelpText(name: string, help: CommandHelp): string {
  const width = Math.max(...help.options.map(([flag]) => flag.length)) + 2;
  const lines = [
    `usage: ${help.usage}`,
    '',
    ...wrap(help.summary, 100),
    '',
    'options:',
    ...help.options.map(([flag, description]) => `  ${flag.padEnd(width)}${description}`),
    '',
    `exit codes: ${help.exitCodes}`,
    '',
    'examples:',
    ...help.examples.map((example) => `  ${example}`),
    '',
    `more: ${help.docs} (driftd ${name})`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The general help: every command's usage line. */
export function generalHelpText(version: string): string {
  const names = Object.keys(COMMAND_HELP);
  return `driftd ${version} — keeps SQLite databases true to their declared schema

usage:
${names.map((name) => `  ${COMMAND_HELP[name]!.usage}`).join('\n')}

Run \`driftd help COMMAND\` or \`driftd COMMAND --help\` for a command's options and examples.
exit codes: 0 in sync / nothing to do, 1 drift found or left (reconcile: orphans left), 2 error
`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}
