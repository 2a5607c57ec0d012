import { accessSync, constants, readFileSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where a directory driftd must write into sits on a read-only mount. */
export interface ReadOnlyMount {
  /** The directory that exists and was probed: `dir` itself or its nearest existing ancestor (driftd creates the rest). */
  readonly probed: string;
  /** The read-only mount point holding it, from /proc/self/mountinfo (null when that cannot be read). */
  readonly mountPoint: string | null;
}

/**
 * Whether `dir` (or, while it does not exist yet, its nearest existing ancestor, where driftd would
 * create it) lies on a read-only mount: access(2) with W_OK answers EROFS for a read-only file
 * system or a read-only bind mount — what systemd's ProtectSystem=, ProtectHome=read-only and
 * ReadOnlyPaths= build (and root gets EROFS too; file modes do not count here, so an operator
 * validating another user's config is never refused for permissions). The mount point is named
 * from /proc/self/mountinfo. Null when the directory is writable as far as the mounts go.
 */
export function readOnlyMount(dir: string): ReadOnlyMount | null {
  let probed = dir;
  for (;;) {
    try {
      accessSync(probed, constants.W_OK);
      return null;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EROFS') return { probed, mountPoint: mountPointOf(probed) };
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return null;
    }
    const parent = dirname(probed);
    if (parent === probed) return null;
    probed = parent;
  }
}

/** The longest mount point in /proc/self/mountinfo (proc(5): field 5, octal-escaped) that holds `path`. */
function mountPointOf(path: string): string | null {
  let real: string;
  let table: string;
  try {
    real = realpathSync(path);
    table = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return null;
  }
  let best: string | null = null;
  for (const line of table.split('\n')) {
    const field = line.split(' ')[4];
    if (field === undefined) continue;
    const point = field.replace(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    const holds = point === '/' || real === point || real.startsWith(`${point}/`);
    if (holds && (best === null || point.length >= best.length)) best = point;
  }
  return best;
}
