import { realpathSync, statSync } from 'node:fs';
import type { TargetConfig } from './parse-config.js';

/**
 * Targets that resolve to the same database file (through symlinks, `..`, hard links): two
 * declarations repairing one file fight each other, and the operator should know. Compared by the
 * file's device and inode when it exists, else by its resolved path. One line per shared file.
 */
export function sharedDatabaseWarnings(targets: readonly TargetConfig[]): string[] {
  const byFile = new Map<string, { path: string; names: string[] }>();
  for (const target of targets) {
    const key = fileKey(target.database);
    const entry = byFile.get(key.id) ?? { path: key.path, names: [] };
    entry.names.push(target.name);
    byFile.set(key.id, entry);
  }
  return [...byFile.values()]
    .filter((entry) => entry.names.length > 1)
    .map((entry) => `targets ${entry.names.map((name) => `"${name}"`).join(', ')} resolve to the same database file "${entry.path}"; their declarations and repairs apply to one file`);
}

function fileKey(path: string): { id: string; path: string } {
  try {
    const stats = statSync(path);
    return { id: `${stats.dev}:${stats.ino}`, path: realpathSync(path) };
  } catch {
    return { id: `path:${path}`, path };
  }
}
