import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DriftdError } from '../errors/driftd-error.js';
import { filterEntries, journalEntries, type AuditContext, type AuditEntry, type AuditOutcome, type EntryFilter, type IntentRecord, type JournalRecord, type OutcomeRecord } from './audit-record.js';
import type { AuditSink, AuditTicket } from './audit-sink.js';
import { AUDIT_LIMITS, boundChange } from './bound-change.js';
import { parseRecord } from './journal-record-format.js';

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

/** Records read, and the lines that were not records (torn, malformed, wrong-shaped, over the line limit): skipped and counted. */
export interface JournalRead {
  readonly records: JournalRecord[];
  readonly skipped: number;
}

/** Entries read, with the count of journal lines skipped in the files read for them. */
export interface AuditRead {
  readonly entries: AuditEntry[];
  readonly skipped: number;
}

/** A not-applied reason is cut here: an error message can quote a whole statement. */
const REASON_CHARS = 4000;

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
  private current: AuditJournalOptions;

  constructor(options: AuditJournalOptions) {
    this.current = options;
    this.now = options.now ?? (() => new Date());
  }

  get options(): AuditJournalOptions {
    return this.current;
  }

  /**
   * Switches directory and rotation (a reloaded config's `audit`): the next write and read use
   * them. The daemon calls it between cycles, so no change has its intent in one journal and its
   * outcome in the other.
   */
  reconfigure(options: Pick<AuditJournalOptions, 'dir' | 'maxBytes' | 'keep'>): void {
    this.current = { ...this.current, dir: options.dir, maxBytes: options.maxBytes, keep: options.keep };
  }

  get path(): string {
    return join(this.options.dir, JOURNAL_FILE);
  }

  /**
   * A sink bound to one target, database and cycle, for the engine. A change whose intent would
   * exceed the line limit is recorded as several intents (`part`), long values by their digest
   * (bound-change.ts). The records' types are the reader's zod format (journal-record-format.ts).
   */
  sink(context: AuditContext): AuditSink {
    return {
      intend: (change) => {
        const time = this.now().toISOString();
        const envelope: IntentRecord = { v: 1, type: 'intent', id: `${this.prefix}-${(1e9).toString(36)}`, time, ...context, pid: process.pid, host: this.host, part: { index: 99_999, count: 99_999, first: 999_999_999 }, change: emptied(change) };
        const parts = boundChange(change, Buffer.byteLength(JSON.stringify(envelope), 'utf8'));
        const records: IntentRecord[] = parts.map((part, index) => ({
          v: 1,
          type: 'intent',
          id: `${this.prefix}-${(++this.sequence).toString(36)}`,
          time,
          ...context,
          pid: process.pid,
          host: this.host,
          ...(parts.length > 1 ? { part: { index, count: parts.length, first: part.first } } : {}),
          change: part.change,
        }));
        try {
          this.append(records, true);
        } catch (error) {
          throw this.writeError(error, `writing the audit intent for a ${change.kind} of "${context.database}"`);
        }
        return { id: records[0]!.id, ...(records.length > 1 ? { parts: records.map((record, index) => ({ id: record.id, first: parts[index]!.first, count: parts[index]!.count })) } : {}) };
      },
      settle: (ticket, outcome) => {
        const time = this.now().toISOString();
        const records = partsOf(ticket).map(({ id, first, count }): OutcomeRecord => ({ v: 1, type: 'outcome', id, time, outcome: outcomeForPart(outcome, first, count) }));
        try {
          this.append(records, false);
        } catch {
          // Not fsync'd and never thrown: a lost outcome is answered at the next start (resolve-pending.ts).
        }
      },
    };
  }

  /** The journal's own failure, named by the journal's path (never the database's): AUDIT_DISK_FULL or AUDIT_WRITE_FAILED. */
  private writeError(error: unknown, doing: string): DriftdError {
    if (error instanceof DriftdError) return error;
    const errno = (error as NodeJS.ErrnoException).code;
    const full = errno === 'ENOSPC' || errno === 'EDQUOT';
    return new DriftdError(full ? 'AUDIT_DISK_FULL' : 'AUDIT_WRITE_FAILED', `the audit journal "${this.path}" cannot be written${full ? ': its disk is full' : ''} (${doing}), so nothing was changed: ${(error as Error).message}`, {
      cause: error,
      where: { file: this.path },
      hint: full
        ? `free space on the file system holding the audit journal (${this.options.dir}: audit.dir in the config); the database was not touched`
        : 'make the audit directory (audit.dir in the config, or the state directory) writable by driftd, and check it has space',
    });
  }

  /**
   * Appends an outcome; false when it could not be written (start-up resolution answers it later).
   * Not fsync'd: an outcome lost with the page cache leaves its intent pending, and the next start
   * answers that from the database — only the intent must be on disk before the commit.
   */
  writeOutcome(record: OutcomeRecord): boolean {
    try {
      this.append([record], false);
      return true;
    } catch {
      return false;
    }
  }

  /** Every record of every kept file, oldest first; lines that are not valid records are skipped. */
  read(): JournalRecord[] {
    return this.readRecords().records;
  }

  /** Every record of every kept file, oldest first, and how many lines were skipped (torn, malformed, wrong-shaped, too long). */
  readRecords(): JournalRead {
    const records: JournalRecord[] = [];
    let skipped = 0;
    for (const path of [...this.rotatedFiles(), this.path]) {
      const file = this.readFile(path);
      records.push(...file.records);
      skipped += file.skipped;
    }
    return { records, skipped };
  }

  /** The entries (one per statement, row, backup), oldest first: `readEntries(filter).entries`. */
  entries(filter: EntryFilter = {}): AuditEntry[] {
    return this.readEntries(filter).entries;
  }

  /**
   * The entries (one per statement, row, backup), oldest first, and the lines skipped in the files
   * read. Files are read newest first and reading stops once the newest `limit` entries (or every
   * entry since `since`) are in hand: the status page, reloaded every few seconds, never parses the
   * whole rotated history. An outcome is always in the same file as its intent or a newer one, so
   * no entry read is missing it.
   */
  readEntries(filter: EntryFilter = {}): AuditRead {
    let records: JournalRecord[] = [];
    let skipped = 0;
    for (const path of [this.path, ...this.rotatedFiles().reverse()]) {
      const file = this.readFile(path);
      records = [...file.records, ...records];
      skipped += file.skipped;
      const oldest = file.records.find((record) => record.type === 'intent');
      if (filter.since && oldest && Date.parse(oldest.time) < filter.since.getTime()) break;
      if (filter.limit !== undefined && filterEntries(journalEntries(records), { ...filter, limit: undefined }).length >= filter.limit) break;
    }
    return { entries: filterEntries(journalEntries(records), filter), skipped };
  }

  /**
   * One journal file's records, streamed line by line from a descriptor opened without following a
   * symlink (a FIFO never blocks), which fstat must show to be a regular file with one link. A line
   * that is not a valid record by the journal's zod format, or longer than the line limit, is
   * skipped and counted; of a file larger than `AUDIT_LIMITS.readBytes` only the last that many
   * bytes are read (the cut line counts as skipped). A file that cannot be opened is AUDIT_UNREADABLE.
   */
  private readFile(path: string): JournalRead {
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { records: [], skipped: 0 };
      throw unreadable(path, code === 'ELOOP' ? 'it is a symbolic link' : (error as Error).message, error);
    }
    try {
      const stats = fstatSync(fd);
      if (!stats.isFile()) throw unreadable(path, 'it is not a regular file');
      if (stats.nlink !== 1) throw unreadable(path, `it has ${stats.nlink} hard links (another name shares its contents)`);
      const records: JournalRecord[] = [];
      let skipped = 0;
      const start = Math.max(0, stats.size - AUDIT_LIMITS.readBytes);
      readLines(fd, start, start > 0, (line) => {
        if (line === null) {
          skipped++;
          return;
        }
        if (line === '') return;
        const record = parseRecord(line);
        if (record) records.push(record);
        else skipped++;
      });
      return { records, skipped };
    } catch (error) {
      if (error instanceof DriftdError) throw error;
      throw unreadable(path, (error as Error).message, error);
    } finally {
      closeSync(fd);
    }
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

  /** Appends records, one line each, rotating first if an intent finds the file full. */
  private append(records: readonly JournalRecord[], durable: boolean): void {
    // The record types are the reader's zod format by construction (journal-record-format.ts checks both directions at compile time).
    const lines = records.map((record) => `${JSON.stringify(record)}\n`);
    mkdirSync(this.options.dir, { recursive: true, mode: 0o750 });
    let fd = this.openCurrent();
    try {
      // Rotate only before an intent, so a change's two lines normally share a file (readers join across files anyway).
      if (records[0]?.type === 'intent' && fstatSync(fd).size >= this.options.maxBytes) {
        const measured = fstatSync(fd).ino;
        closeSync(fd);
        fd = -1;
        // Another driftd may have rotated it since: rotate only the file that was measured, never its fresh successor.
        if (currentIno(this.path) === measured) this.rotate();
        fd = this.openCurrent();
      }
      lines.forEach((line, index) => {
        let text = line;
        // A kill mid-write can leave a line without its newline: start on a fresh line so this one parses.
        if (index === 0) {
          const size = fstatSync(fd).size;
          if (size > 0 && !endsWithNewline(fd, size)) text = `\n${text}`;
        }
        // One write per line (O_APPEND): lines of processes sharing the journal never interleave.
        const buffer = Buffer.from(text, 'utf8');
        let written = 0;
        while (written < buffer.length) written += writeSync(fd, buffer, written, buffer.length - written);
      });
      if (durable) fsyncSync(fd);
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }

  /**
   * O_APPEND, no symlink followed, and fstat on that descriptor must show a regular file with
   * exactly one link: a hard link planted as audit.jsonl would have driftd append to the other name's
   * file. A new file's directory entry is fsync'd too.
   */
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
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.nlink !== 1) {
      closeSync(fd);
      throw new Error(!stats.isFile() ? `"${path}" is not a regular file` : `"${path}" has ${stats.nlink} hard links: driftd appends only to a journal no other name shares`);
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

function unreadable(path: string, why: string, cause?: unknown): DriftdError {
  return new DriftdError('AUDIT_UNREADABLE', `the audit journal "${path}" cannot be read: ${why}`, {
    ...(cause === undefined ? {} : { cause }),
    where: { file: path },
    hint: 'the journal files must be regular files, each with one name, readable by driftd',
  });
}

/**
 * Calls `onLine` with each line of the file from `start` (without its newline), or with null for
 * a line longer than the line limit (dropped, never held whole in memory); with `cutFirst` the
 * first, partial line is dropped as null too.
 */
function readLines(fd: number, start: number, cutFirst: boolean, onLine: (line: string | null) => void): void {
  const chunk = Buffer.allocUnsafe(1024 * 1024);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overlong = cutFirst;
  let position = start;
  const end = (piece: Buffer): void => {
    if (overlong) onLine(null);
    else onLine(Buffer.concat([...pending, piece]).toString('utf8'));
    pending = [];
    pendingBytes = 0;
    overlong = false;
  };
  for (;;) {
    const bytesRead = readSync(fd, chunk, 0, chunk.length, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    let from = 0;
    for (let newline = chunk.indexOf(0x0a, 0); newline !== -1 && newline < bytesRead; newline = chunk.indexOf(0x0a, from)) {
      end(chunk.subarray(from, newline));
      from = newline + 1;
    }
    if (from < bytesRead && !overlong) {
      pendingBytes += bytesRead - from;
      if (pendingBytes > AUDIT_LIMITS.lineBytes) {
        overlong = true;
        pending = [];
      } else pending.push(Buffer.from(chunk.subarray(from, bytesRead)));
    }
  }
  // A last line without its newline (a write cut by a kill) is still offered: it parses only if whole.
  if (overlong || pendingBytes > 0) end(Buffer.alloc(0));
}

/** The ticket's parts: itself when the change was one intent. */
function partsOf(ticket: AuditTicket): readonly { readonly id: string; readonly first: number; readonly count: number }[] {
  return ticket.parts ?? [{ id: ticket.id, first: 0, count: Number.MAX_SAFE_INTEGER }];
}

/** The change's outcome as one part sees it: items left out renumbered within the part; a long reason cut. */
function outcomeForPart(outcome: AuditOutcome, first: number, count: number): AuditOutcome {
  if (outcome.status === 'not-applied') return { status: 'not-applied', reason: cut(outcome.reason) };
  const left = outcome.left?.filter((entry) => entry.item >= first && entry.item < first + count).map((entry) => ({ item: entry.item - first, reason: cut(entry.reason) }));
  return { status: 'applied', ...(left && left.length > 0 ? { left } : {}) };
}

function cut(reason: string): string {
  return reason.length <= REASON_CHARS ? reason : `${reason.slice(0, REASON_CHARS)}… (${reason.length} characters)`;
}

/** The change without its items: what its line costs around them. */
function emptied(change: IntentRecord['change']): IntentRecord['change'] {
  switch (change.kind) {
    case 'repair':
      return { kind: 'repair', statements: [] };
    case 'recover':
      return { ...change, rows: [] };
    case 'backup':
      return { kind: 'backup', path: '' };
    case 'rebuild':
      return { ...change, statements: [] };
  }
}
