import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Reads the last `maxBytes` of a journal file: opened with O_NOFOLLOW and
 * O_NONBLOCK (a symlink planted in the state directory is refused, a FIFO
 * never blocks the open), then fstat'd on the open descriptor — so what is
 * checked is what is read, with no window for a swap — and read only when it
 * is a regular file. Returns null when the file does not exist.
 *
 * Local to the audit trail: issue 9 is writing the project's one safe-read
 * helper (src/fs/); this should become a call to it once that lands.
 */
export function readJournalFile(path: string, maxBytes: number): { readonly text: string; readonly truncated: boolean } | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw Object.assign(new Error(`"${path}" is not a regular file`), { code: 'ENOTREG' });
    const length = Math.min(stats.size, maxBytes);
    const start = stats.size - length;
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const n = readSync(fd, buffer, read, length - read, start + read);
      if (n === 0) break;
      read += n;
    }
    let text = buffer.subarray(0, read).toString('utf8');
    // Started mid-file: the first line is a fragment.
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    return { text, truncated: start > 0 };
  } finally {
    closeSync(fd);
  }
}
