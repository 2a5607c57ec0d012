import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DriftdError } from '../errors/driftd-error.js';
import { filterEntries, journalEntries, parseRecord, type AuditContext, type AuditEntry, type EntryFilter, type IntentRecord, type JournalRecord, type OutcomeRecord } from './audit-record.js';
import type { AuditSink } from './audit-sink.js';
import { readRegularFile } from '../fs/read-regular-file.js';

export interface AuditJournalOptions {
  /** The directory the journal files live in (created on the first write). */
  readonly dir: string;
  /** The current file is rotated before an intent once it has reached this size. */
  readonly maxBytes: number;
  /** Rotated files kept besides the current one. */
  readonly keep: number;
  readonly now?: () => Date;
}

export const JOURNAL_FILE = 'audit.jsonl';

/** A rotated journal file: `audit.2026-11-29T13-47-01-708Z-4242-1.jsonl`. */
const ROTATED = /^audit\.\d{4}-\d{2}-\d{2}T[0-9-]+Z-\d+-[0-9a-z]+\.jsonl$/;

/** A reader refuses a file larger than this (a rotated file is about maxBytes; only one enormous round could pass it). */
const READ_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * The append-only JSON-lines audit journal under the state directory
 * (`audit.jsonl`, rotated by size to `audit.<time>-<pid>-<n>.jsonl`, the newest `keep` kept).
 * It lives outside every user database: driftd never creates objects of its
 * own there. Each change is two lines: an intent, fsync'd before the change
 * can commit, and its outcome after. Several driftd processes may append to
 * the same journal (O_APPEND, one write per line). Constructing it touches
 * no file.
 */
export class AuditJournal {
  private readonly now: () => Date;
  private readonly host = hostname();
  private sequence = 0;
  private rotations = 0;
  private readonly prefix = `${process.pid.toString(36)}-${randomBytes(4).toString('hex')}`;

  constructor(readonly options: AuditJournalOptions) {
    this.now = options.now ?? (() => new Date());
  }

  get path(): string {
    return join(this.options.dir, JOURNAL_FILE);
  }

  /** A sink bound to one target, database and cycle, for the engine. */
  sink(context: AuditContext): AuditSink {
    return {
      intend: (change) => {
        const record: IntentRecord = { v: 1, type: 'intent', id: `${this.prefix}-${(++this.sequence).toString(36)}`, time: this.now().toISOString(), ...context, pid: process.pid, host: this.host, change };
        try {
          this.append(record, true);
        } catch (error) {
          throw new DriftdError('AUDIT_WRITE_FAILED', `writing the audit intent for a ${change.kind} of "${context.database}" to "${this.path}" failed, so nothing was changed: ${(error as Error).message}`, {
            cause: error,
            where: { file: this.path, database: context.database },
            hint: 'make the audit directory (audit.dir in the config, or the state directory) writable by driftd, and check it has space',
          });
        }
        return { id: record.id };
      },
      settle: (ticket, outcome) => {
        this.writeOutcome({ v: 1, type: 'outcome', id: ticket.id, time: this.now().toISOString(), outcome });
      },
    };
  }

  /**
   * Appends an outcome; false when it could not be written (start-up resolution answers it later).
   * Not fsync'd: an outcome lost with the page cache leaves its intent pending, and the next start
   * answers that from the database — only the intent must be on disk before the commit.
   */
  writeOutcome(record: OutcomeRecord): boolean {
    try {
      this.append(record, false);
      return true;
    } catch {
      return false;
    }
  }

  /** Every record of every kept file, oldest first; torn lines (cut by a kill) are skipped. */
  read(): JournalRecord[] {
    const records: JournalRecord[] = [];
    for (const path of [...this.rotatedFiles(), this.path]) records.push(...this.readFile(path));
    return records;
  }

  /**
   * The entries (one per statement, row, backup), oldest first. Files are read
   * newest first and reading stops once the newest `limit` entries (or every
   * entry since `since`) are in hand: the status page, reloaded every few
   * seconds, never parses the whole rotated history. An outcome is always in
   * the same file as its intent or a newer one, so no entry read is missing it.
   */
  entries(filter: EntryFilter = {}): AuditEntry[] {
    let records: JournalRecord[] = [];
    for (const path of [this.path, ...this.rotatedFiles().reverse()]) {
      const file = this.readFile(path);
      records = [...file, ...records];
      const oldest = file.find((record) => record.type === 'intent');
      if (filter.since && oldest && Date.parse(oldest.time) < filter.since.getTime()) break;
      if (filter.limit !== undefined && filterEntries(journalEntries(records), { ...filter, limit: undefined }).length >= filter.limit) break;
    }
    return filterEntries(journalEntries(records), filter);
  }

  /**
   * One journal file's records, read through the one safe-read helper
   * (src/fs/read-regular-file.ts): a regular file, no symlink followed, a FIFO
   * never blocks, at most 64 MiB. Anything else is AUDIT_UNREADABLE.
   */
  private readFile(path: string): JournalRecord[] {
    const read = readRegularFile(path, { maxBytes: READ_LIMIT_BYTES, followSymlinks: false });
    if (read.kind === 'missing') return [];
    if (read.kind !== 'bytes') {
      const why =
        read.kind === 'symlink'
          ? 'it is a symbolic link'
          : read.kind === 'not-a-file'
            ? `it is a ${read.what}, not a regular file`
            : read.kind === 'too-large'
              ? `it is larger than ${READ_LIMIT_BYTES} bytes (${read.size})`
              : read.error.message;
      throw new DriftdError('AUDIT_UNREADABLE', `the audit journal "${path}" cannot be read: ${why}`, {
        ...(read.kind === 'unreadable' ? { cause: read.error } : {}),
        where: { file: path },
        hint: 'the journal files must be regular files readable by driftd',
      });
    }
    const file = { text: read.bytes.toString('utf8') };
    const records: JournalRecord[] = [];
    for (const line of file.text.split('\n')) {
      if (line === '') continue;
      const record = parseRecord(line);
      if (record) records.push(record);
    }
    return records;
  }

  /** The rotated files, oldest first (their names sort by the time of the rotation). */
  private rotatedFiles(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.options.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new DriftdError('AUDIT_UNREADABLE', `the audit journal directory "${this.options.dir}" cannot be listed: ${(error as Error).message}`, {
        cause: error,
        where: { file: this.options.dir },
        hint: 'the audit directory must be a directory readable by driftd',
      });
    }
    return names.filter((name) => ROTATED.test(name)).sort().map((name) => join(this.options.dir, name));
  }

  private append(record: JournalRecord, durable: boolean): void {
    mkdirSync(this.options.dir, { recursive: true, mode: 0o750 });
    let fd = this.openCurrent();
    try {
      // Rotate only before an intent, so a change's two lines normally share a file (readers join across files anyway).
      if (record.type === 'intent' && fstatSync(fd).size >= this.options.maxBytes) {
        const measured = fstatSync(fd).ino;
        closeSync(fd);
        fd = -1;
        // Another driftd may have rotated it since: rotate only the file that was measured, never its fresh successor.
        if (currentIno(this.path) === measured) this.rotate();
        fd = this.openCurrent();
      }
      const size = fstatSync(fd).size;
      let text = `${JSON.stringify(record)}\n`;
      // A kill mid-write can leave a line without its newline: start on a fresh line so this one parses.
      if (size > 0 && !endsWithNewline(fd, size)) text = `\n${text}`;
      const buffer = Buffer.from(text, 'utf8');
      let written = 0;
      while (written < buffer.length) written += writeSync(fd, buffer, written, buffer.length - written);
      if (durable) fsyncSync(fd);
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }

  /** O_APPEND, no symlink followed, and it must be a regular file. A new file's directory entry is fsync'd too. */
  private openCurrent(): number {
    const path = this.path;
    let created = false;
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_APPEND | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      fd = openSync(path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o640);
      created = true;
    }
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      throw new Error(`"${path}" is not a regular file`);
    }
    if (created) syncDirectory(this.options.dir);
    return fd;
  }

  /**
   * One atomic rename of the current file to a name no other process can
   * choose (time, pid, counter) — so two driftd processes rotating at once
   * can never overwrite each other's file — then the oldest beyond `keep` go.
   * A writer still holding the old file appends to it under its new name.
   */
  private rotate(): void {
    const stamp = `${this.now().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${(++this.rotations).toString(36)}`;
    try {
      renameSync(this.path, join(this.options.dir, `audit.${stamp}.jsonl`));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const rotated = this.rotatedFiles();
    for (const old of rotated.slice(0, Math.max(0, rotated.length - this.options.keep))) rmSync(old, { force: true });
    syncDirectory(this.options.dir);
  }
}

function currentIno(path: string): number | null {
  try {
    return lstatSync(path).ino;
  } catch {
    return null;
  }
}

function endsWithNewline(fd: number, size: number): boolean {
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] === 0x0a;
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
