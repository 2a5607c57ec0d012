import type { Config } from '../config/parse-config.js';
import { watchFiles, type FileWatcher } from './file-watcher.js';

export interface ConfigWatchHandlers {
  /** The config file or a schema file changed. */
  readonly onConfigChange: (changed: ReadonlySet<string>) => void;
  /** Only database files (the file or its `-wal`) changed. */
  readonly onDatabaseChange: (changed: ReadonlySet<string>) => void;
  readonly onError: (error: unknown) => void;
}

/**
 * Watching: the files a config names, split by purpose — the config and schema
 * files (a change means reload) and each target's database and `-wal` (a change
 * means check). Returns null when the config turns watching off.
 */
export function watchConfig(configPath: string, config: Config, handlers: ConfigWatchHandlers): FileWatcher | null {
  if (!config.watch) return null;
  const configFiles = new Set([configPath, ...config.targets.map((target) => target.schema)]);
  // Fleet targets (a glob in `database`) are watched by watchFleet, directory by directory.
  const databaseFiles = config.targets.filter((target) => !target.fleet).flatMap((target) => [target.database, `${target.database}-wal`]);
  return watchFiles(
    [...configFiles, ...databaseFiles],
    config.debounceMs,
    (changed) => {
      const configTouched = [...changed].some((path) => configFiles.has(path));
      if (configTouched) handlers.onConfigChange(changed);
      else handlers.onDatabaseChange(changed);
    },
    handlers.onError,
  );
}
