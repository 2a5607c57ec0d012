import { dirname } from 'node:path';
import { sandboxRefusal, type UnitSandbox } from '../systemd/unit-sandbox.js';
import type { Config, ConfigProblem } from './parse-config.js';

/** A directory driftd writes into while it runs a config, with the config path that names it. */
export interface WritePath {
  /** `audit.dir`, `backup.dir`, `targets[0].database` … */
  readonly configPath: string;
  /** Absolute directory. */
  readonly dir: string;
  /** What is written there, for messages. */
  readonly what: string;
}

/**
 * Every directory a run of `config` writes into: only targets with `"repair": "auto"` write
 * (a report-only target opens its database read-only and records nothing), and then into the
 * database's directory (SQLite creates the -journal/-wal/-shm files beside it; a fleet: its root),
 * the audit journal's directory and, with backups on, the backup directory. Pure.
 */
export function configWritePaths(config: Config): WritePath[] {
  const writers = config.targets.map((target, index) => ({ target, index })).filter(({ target }) => target.repair === 'auto');
  if (writers.length === 0) return [];
  return [
    { configPath: 'audit.dir', dir: config.audit.dir, what: 'the audit journal' },
    ...(config.backup.enabled ? [{ configPath: 'backup.dir', dir: config.backup.dir, what: 'backups before repairs' }] : []),
    ...writers.map(({ target, index }) =>
      target.fleet
        ? { configPath: `targets[${index}].databases`, dir: target.fleet.root, what: `the databases of target "${target.name}" and their -journal/-wal files` }
        : { configPath: `targets[${index}].database`, dir: dirname(target.database), what: `the database of target "${target.name}" and its -journal/-wal files` },
    ),
  ];
}

/**
 * The write paths of `config` that the unit's sandbox would leave read-only (`driftd validate
 * --unit FILE`): one CONFIG_PATH_READ_ONLY problem each, with the directive responsible.
 */
export function unitWriteProblems(config: Config, sandbox: UnitSandbox, unitPath: string): ConfigProblem[] {
  return configWritePaths(config).flatMap((write) => {
    const refusal = sandboxRefusal(sandbox, write.dir);
    if (refusal === null) return [];
    return [
      {
        path: write.configPath,
        code: 'CONFIG_PATH_READ_ONLY' as const,
        message: `"${write.dir}" (${write.what}) would be read-only for the service of unit "${unitPath}": ${refusal}`,
        hint: `add "${write.dir}" (or a directory above it) to ReadWritePaths= (systemctl${sandbox.manager === 'user' ? ' --user' : ''} edit driftd), or point ${write.configPath} at a directory the unit makes writable${write.configPath === 'audit.dir' ? ' (unset, it is $STATE_DIRECTORY/audit or $XDG_STATE_HOME/driftd/audit)' : ''}`,
      },
    ];
  });
}
