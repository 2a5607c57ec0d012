import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DriftdError } from '../errors/driftd-error.js';
import { filterEntries, journalEntries, parseRecord, type AuditContext, type AuditEntry, type EntryFilter, type IntentRecord, type JournalRecord, type OutcomeRecord } from './audit-record.js';
import type { AuditSink } from './audit-sink.js';
import { readJournalFile } from './read-journal-file.js';

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

/** A reader never takes more than this from one file (a rotated file is about maxBytes; one huge round may pass it). */
const READ_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * The append-only JSON-lines audit journal under the state directory
 * (`audit.jsonl`, rotated by size to `audit.1.jsonl` … `audit.<keep>.jsonl`).
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
    for (let index = this.options.keep; index >= 0; index--) records.push(...this.readFile(index));
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
    for (let index = 0; index <= this.options.keep; index++) {
      const file = this.readFile(index);
      records = [...file, ...records];
      const oldest = file.find((record) => record.type === 'intent');
      if (filter.since && oldest && Date.parse(oldest.time) < filter.since.getTime()) break;
      if (filter.limit !== undefined && filterEntries(journalEntries(records), { ...filter, limit: undefined }).length >= filter.limit) break;
    }
    return filterEntries(journalEntries(records), filter);
  }

  private readFile(index: number): JournalRecord[] {
    let file;
    try {
      file = readJournalFile(this.fileAt(index), READ_LIMIT_BYTES);
    } catch (error) {
      throw new DriftdError('AUDIT_UNREADABLE', `the audit journal "${this.fileAt(index)}" cannot be read: ${(error as Error).message}`, {
        cause: error,
        where: { file: this.fileAt(index) },
        hint: 'the journal files must be regular files readable by driftd',
      });
    }
    if (file === null) return [];
    const records: JournalRecord[] = [];
    for (const line of file.text.split('\n')) {
      if (line === '') continue;
      const record = parseRecord(line);
      if (record) records.push(record);
    }
    return records;
  }

  private fileAt(index: number): string {
    return join(this.options.dir, index === 0 ? JOURNAL_FILE : `audit.${index}.jsonl`);
  }

  private append(record: JournalRecord, durable: boolean): void {
    mkdirSync(this.options.dir, { recursive: true, mode: 0o750 });
    let fd = this.openCurrent();
    try {
      // Rotate only before an intent, so a change's two lines normally share a file (readers join across files anyway).
      if (record.type === 'intent' && fstatSync(fd).size >= this.options.maxBytes) {
        closeSync(fd);
        fd = -1;
        this.rotate();
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

  private rotate(): void {
    for (let index = this.options.keep; index >= 1; index--) {
      try {
        renameSync(this.fileAt(index - 1), this.fileAt(index));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    syncDirectory(this.options.dir);
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
