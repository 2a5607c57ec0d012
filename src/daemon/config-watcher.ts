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
 * A config or schema edit reloads at the latest this many debounce periods after it was first seen,
 * even while the editor keeps writing (issue 9: a shared watcher let a busy database starve reloads).
 */
export const CONFIG_MAX_WAIT_DEBOUNCES = 4;

/**
 * Watching, one watcher per purpose: the config and schema files (a change means reload) and each
 * target's database and `-wal` (a change means check). They never share a debounce timer, so an
 * application committing every few ms delays a config edit by no more than the config watcher's
 * own debounce (bounded by `CONFIG_MAX_WAIT_DEBOUNCES`); database events keep their trailing
 * debounce. Returns null when the config turns watching off.
 */
export function watchConfig(configPath: string, config: Config, handlers: ConfigWatchHandlers): FileWatcher | null {
  if (!config.watch) return null;
  const configFiles = [configPath, ...config.targets.map((target) => target.schema)];
  // Fleet targets (a glob in `databases`) are watched by watchFleet, directory by directory.
  const databaseFiles = config.targets.filter((target) => !target.fleet).flatMap((target) => [target.database, `${target.database}-wal`]);
  const watchers = [
    watchFiles(configFiles, { debounceMs: config.debounceMs, maxWaitMs: config.debounceMs * CONFIG_MAX_WAIT_DEBOUNCES }, handlers.onConfigChange, handlers.onError),
    watchFiles(databaseFiles, { debounceMs: config.debounceMs }, handlers.onDatabaseChange, handlers.onError),
  ];
  return {
    async close() {
      await Promise.all(watchers.map((watcher) => watcher.close()));
    },
  };
}
