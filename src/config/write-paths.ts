import { dirname } from 'node:path';
import type { Config } from './parse-config.js';

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
