import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Every entry under `dir` (not following symlinks): type, mode, and content hash or link target. */
export function snapshot(dir: string): Map<string, string> {
  const entries = new Map<string, string>();
  const walk = (path: Buffer) => {
    const stats = lstatSync(path);
    const mode = (stats.mode & 0o7777).toString(8);
    const key = path.toString('latin1');
    if (stats.isSymbolicLink()) entries.set(key, `link ${mode} -> ${readlinkSync(path, { encoding: 'buffer' }).toString('latin1')}`);
    else if (stats.isFile()) entries.set(key, `file ${mode} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
    else if (stats.isDirectory()) {
      entries.set(key, `dir ${mode}`);
      for (const name of readdirSync(path, { encoding: 'buffer' })) walk(Buffer.concat([path, Buffer.from('/'), name]));
    } else entries.set(key, `special ${mode} ${stats.isFIFO() ? 'fifo' : 'other'}`);
  };
  walk(Buffer.from(dir));
  return entries;
}
