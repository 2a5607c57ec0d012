import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether this process may mount a tmpfs (root in CI; elsewhere the disk-full tests skip). */
export function canMountTmpfs(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), 'driftd-mount-probe-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
  if (mounted) spawnSync('umount', [probe]);
  rmSync(probe, { recursive: true, force: true });
  return mounted;
}

/** A small tmpfs of `sizeKiB` KiB: a real file system that really fills up. */
export class SmallDisk {
  readonly dir: string;

  constructor(sizeKiB: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'driftd-small-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', this.dir]);
  }

  /** Writes `filler` until the file system has no space left (ENOSPC). */
  fill(name = 'filler'): string {
    const path = join(this.dir, name);
    const fd = openSync(path, 'w');
    const chunk = Buffer.alloc(4096, 0x66);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    } finally {
      closeSync(fd);
    }
    return path;
  }

  dispose(): void {
    spawnSync('umount', [this.dir]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
