import { DriftdError } from '../../errors/driftd-error.js';
import type { ListedDirectory } from '../diff/diff-directories.js';
import type { SkippedDirectory } from '../reconcile-report.js';
import type { ReconcileFs } from './reconcile-fs.js';

export interface RootListing {
  /** The root with every symlink resolved (a symlinked root is fine). */
  readonly realRoot: string;
  readonly directories: readonly ListedDirectory[];
  /** Symlinks that lead out of the root: never followed further. */
  readonly skipped: readonly SkippedDirectory[];
}

/**
 * Where a rule's root is reached from when it may not follow any link: a trusted directory (a fleet's
 * real root, the operator's) and the path below it (`tenant/models` for `{databaseDir}/models`),
 * walked one component at a time without following a link, at every open (issue 14: a tenant whose
 * `models` was a symlink to another tenant's got rows with that tenant's values).
 */
export interface RootAnchor {
  readonly root: string;
  /** Slash-separated, no `.`/`..`; '' is `root` itself. */
  readonly prefix: string;
}

/** `${dir}/${name}` without node:path (the root may be `/`). */
export function childPath(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

/** True when `path` is `realRoot` or inside it (both canonical). */
export function isInside(realRoot: string, path: string): boolean {
  return path === realRoot || path.startsWith(realRoot.endsWith('/') ? realRoot : `${realRoot}/`);
}

/**
 * Lists the root once, with entry types from the listing itself (no stat per
 * directory). A symlinked entry is resolved with realpath and kept only when
 * it stays inside the root; one leading out is skipped with the reason and
 * never read. Broken symlinks and plain files are not directories: ignored.
 */
export async function scanRoot(fs: ReconcileFs, root: string, rule: string, anchor?: RootAnchor): Promise<RootListing> {
  if (anchor) return scanAnchoredRoot(fs, root, rule, anchor);
  let realRoot: string;
  try {
    realRoot = await fs.realpath(root);
    const rootStat = await fs.stat(realRoot);
    if (rootStat.kind !== 'directory') throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DriftdError(code === 'ENOENT' ? 'RECONCILE_ROOT_MISSING' : 'RECONCILE_ROOT_UNREADABLE', `rule "${rule}": root "${root}" ${code === 'ENOTDIR' ? 'is not a directory' : code === 'ENOENT' ? 'does not exist' : `cannot be resolved: ${(error as Error).message}`}`, {
      where: { rule, root },
      hint: 'check the rule\'s "root"; it is resolved against the config file\'s directory',
      cause: error,
    });
  }
  let entries;
  try {
    entries = await fs.readdir(realRoot);
  } catch (error) {
    throw new DriftdError('RECONCILE_ROOT_UNREADABLE', `rule "${rule}": root "${root}" cannot be listed: ${(error as Error).message}`, {
      where: { rule, root },
      hint: 'driftd needs read and execute permission on the root',
      cause: error,
    });
  }
  const directories: ListedDirectory[] = [];
  const skipped: SkippedDirectory[] = [];
  const prefix = realRoot.endsWith('/') ? realRoot : `${realRoot}/`;
  const rootPrefix = root.endsWith('/') ? root : `${root}/`;
  for (const entry of entries) {
    if (entry.kind === 'directory') {
      directories.push({ name: entry.name, path: rootPrefix + entry.name, canonicalPath: prefix + entry.name, aliasPath: null, nameInRoot: entry.name, aliasName: null });
    } else if (entry.kind === 'symlink') {
      const linkPath = prefix + entry.name;
      let target: string;
      try {
        target = await fs.realpath(linkPath);
      } catch {
        continue; // broken symlink: not a directory
      }
      if (!isInside(realRoot, target) || target === realRoot) {
        skipped.push({
          directory: entry.name,
          path: rootPrefix + entry.name,
          reason: 'symlink-outside-root',
          detail: `"${entry.name}" is a symlink to "${target}", outside the root "${realRoot}"; not followed`,
        });
        continue;
      }
      try {
        if ((await fs.stat(target)).kind !== 'directory') continue;
      } catch {
        continue;
      }
      const targetName = target.slice(prefix.length);
      directories.push({ name: entry.name, path: rootPrefix + entry.name, canonicalPath: target, aliasPath: linkPath, nameInRoot: targetName.includes('/') ? null : targetName, aliasName: entry.name });
    }
  }
  return { realRoot, directories, skipped };
}

/** `anchor.prefix` below `anchor.root`, joined without node:path. */
export function anchoredPath(anchor: RootAnchor, relative = ''): string {
  const below = [anchor.prefix, relative].filter((part) => part !== '').join('/');
  return below === '' ? anchor.root : childPath(anchor.root, below);
}

/**
 * A bound root (`{databaseDir}/…`): opened from the anchor without following a link in any
 * component and listed through that handle, so neither a symlinked root nor one swapped for a
 * symlink is ever read; a symlink in it is skipped, never followed (not even to a directory inside
 * it). Its canonical path is the anchored path itself: no component of it is a link.
 */
async function scanAnchoredRoot(fs: ReconcileFs, root: string, rule: string, anchor: RootAnchor): Promise<RootListing> {
  let entries;
  try {
    const handle = await fs.openDirectory(anchor.root, anchor.prefix);
    try {
      entries = await fs.readdir(handle.path);
    } finally {
      handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const linked = code === 'ELOOP' || code === 'ENOTDIR';
    throw new DriftdError(code === 'ENOENT' ? 'RECONCILE_ROOT_MISSING' : 'RECONCILE_ROOT_UNREADABLE', `rule "${rule}": root "${root}" ${code === 'ENOENT' ? 'does not exist' : linked ? "is a symlink or not a directory (or is reached through one): a {databaseDir} root stays inside the database's own directory and never follows a link" : `cannot be listed: ${(error as Error).message}`}`, {
      where: { rule, root },
      hint: linked ? 'make it a real directory inside the database\'s directory' : 'driftd needs read and execute permission on the root',
      cause: error,
    });
  }
  const realRoot = anchoredPath(anchor);
  const prefix = realRoot.endsWith('/') ? realRoot : `${realRoot}/`;
  const rootPrefix = root.endsWith('/') ? root : `${root}/`;
  const directories: ListedDirectory[] = [];
  const skipped: SkippedDirectory[] = [];
  for (const entry of entries) {
    if (entry.kind === 'directory') {
      directories.push({ name: entry.name, path: rootPrefix + entry.name, canonicalPath: prefix + entry.name, aliasPath: null, nameInRoot: entry.name, aliasName: null });
    } else if (entry.kind === 'symlink') {
      skipped.push({ directory: entry.name, path: rootPrefix + entry.name, reason: 'symlink-outside-root', detail: `"${entry.name}" is a symlink; a {databaseDir} root never follows one` });
    }
  }
  return { realRoot, directories, skipped };
}
