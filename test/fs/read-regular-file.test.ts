import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileIdentity, readRegularFile, readRegularFileOrThrow, sameIdentity } from '../../src/fs/read-regular-file.js';
import { tempDir } from '../support/temp-db.js';

const dir = tempDir('driftd-read-regular-');
const codes = { missing: 'CONFIG_NOT_FOUND', notAFile: 'CONFIG_NOT_A_FILE', tooLarge: 'CONFIG_TOO_LARGE', unreadable: 'CONFIG_UNREADABLE' } as const;

describe('readRegularFile', () => {
  it('reads a regular file whole, with the identity of the descriptor it read', () => {
    const path = join(dir, 'a.json');
    writeFileSync(path, '{"a":1}');
    const read = readRegularFile(path, { maxBytes: 100 });
    expect(read.kind).toBe('bytes');
    if (read.kind !== 'bytes') return;
    expect(read.bytes.toString()).toBe('{"a":1}');
    expect(sameIdentity(read.identity, fileIdentity(path))).toBe(true);
  });

  it('refuses a FIFO without blocking on the open and without a writer', () => {
    const path = join(dir, 'fifo');
    execFileSync('mkfifo', [path]);
    expect(readRegularFile(path, { maxBytes: 100 })).toEqual({ kind: 'not-a-file', what: 'FIFO' });
  });

  it.each(['/dev/zero', '/dev/urandom', '/dev/null'])('refuses the device %s without reading a byte', (path) => {
    expect(readRegularFile(path, { maxBytes: 100 })).toEqual({ kind: 'not-a-file', what: 'character device' });
  });

  it('refuses a Unix socket and a directory', () => {
    const path = join(dir, 'sock');
    execFileSync(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`]);
    expect(readRegularFile(path, { maxBytes: 100 })).toEqual({ kind: 'not-a-file', what: 'socket' });
    mkdirSync(join(dir, 'sub'));
    expect(readRegularFile(join(dir, 'sub'), { maxBytes: 100 })).toEqual({ kind: 'not-a-file', what: 'directory' });
  });

  it('does not read a file over the limit (a sparse 1 GiB file costs nothing)', () => {
    const path = join(dir, 'huge');
    writeFileSync(path, '');
    truncateSync(path, 1024 ** 3);
    expect(readRegularFile(path, { maxBytes: 1024 })).toEqual({ kind: 'too-large', size: 1024 ** 3, maxBytes: 1024 });
    const exact = join(dir, 'exact');
    writeFileSync(exact, 'x'.repeat(1024));
    expect(readRegularFile(exact, { maxBytes: 1024 }).kind).toBe('bytes');
  });

  it('follows a final symlink unless told not to', () => {
    const target = join(dir, 'target.json');
    writeFileSync(target, '{}');
    const link = join(dir, 'link.json');
    symlinkSync(target, link);
    expect(readRegularFile(link, { maxBytes: 100 }).kind).toBe('bytes');
    expect(readRegularFile(link, { maxBytes: 100, followSymlinks: false })).toEqual({ kind: 'symlink' });
    expect(readRegularFile(join(dir, 'nope'), { maxBytes: 100 })).toEqual({ kind: 'missing' });
  });
});

describe('readRegularFileOrThrow', () => {
  it.each([
    ['/dev/zero', 'CONFIG_NOT_A_FILE', /"\/dev\/zero" is a character device, not a regular file/],
    ['/nonexistent/driftd.json', 'CONFIG_NOT_FOUND', /does not exist/],
  ])('%s → %s naming the file', (path, code, message) => {
    expect(() => readRegularFileOrThrow(path, 'config file', codes, { maxBytes: 10 })).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));
  });
});

describe('fileIdentity', () => {
  it('changes when content changes even if size and mtime are put back', async () => {
    const path = join(dir, 'ident.sql');
    writeFileSync(path, 'CREATE TABLE a (x);');
    const before = fileIdentity(path)!;
    // File times have the kernel's coarse clock granularity (a few ms); the reloader handles edits inside one tick separately.
    await new Promise((resolve) => setTimeout(resolve, 30));
    writeFileSync(path, 'CREATE TABLE b (x);');
    utimesSync(path, before.mtimeMs / 1000, before.mtimeMs / 1000);
    const after = fileIdentity(path)!;
    expect(after.size).toBe(before.size);
    expect(sameIdentity(before, after)).toBe(false);
    expect(sameIdentity(after, fileIdentity(path))).toBe(true);
  });
});
