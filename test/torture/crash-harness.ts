// Crash torture: a driftd cycle (repair + reconcile) runs in a child process and is SIGKILLed at a
// seeded random instant while another process keeps inserting rows. After each kill the database
// must be intact, its schema exactly the state before or after the repair (never in between), every
// row the writer saw committed still there, and no recovered model present twice. Then the cycle is
// run to completion and must converge. Everything is real: files, processes, SQLite, signals.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { AuditJournal } from '../../src/audit/audit-journal.js';
import { modelforgeRuleInput } from '../support/modelforge-rule.js';

export type JournalMode = 'delete' | 'wal';

const HERE = resolve(import.meta.dirname);
const CYCLE_CHILD = join(HERE, 'children/torture-cycle.mjs');
const WRITER_CHILD = join(HERE, 'children/app-writer.mjs');
const DECLARED_SQL = join(HERE, 'fixtures/declared.sql');

/** ModelForge before 0.2.1 — the legacy table of the seed, with rows. */
const LEGACY_SQL = readFileSync(new URL('../../demo/fixtures/modelforge-0.2.0.sql', import.meta.url), 'utf8');

/** mulberry32: a tiny seeded PRNG, so a trial's random choices are reproducible from its seed. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Fixture {
  readonly dir: string;
  readonly dbPath: string;
  readonly configPath: string;
  readonly modelsDir: string;
  readonly modelDirs: readonly string[];
  readonly writerLog: string;
}

/** A ModelForge data directory: the legacy database (rows, chosen journal mode) and orphan model directories. */
export function makeFixture(parent: string, name: string, journalMode: JournalMode, orphans: number): Fixture {
  const dir = join(parent, name);
  const modelsDir = join(dir, 'models');
  mkdirSync(modelsDir, { recursive: true });
  const dbPath = join(dir, 'modelforge.db');
  const db = new Database(dbPath);
  db.pragma(`journal_mode = ${journalMode}`);
  db.exec(LEGACY_SQL);
  const insert = db.prepare(
    'INSERT INTO fine_tuned_models (model_name, base_model, task, description, creation_date, model_path) VALUES (?, ?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (let i = 0; i < 50; i++) insert.run(`legacy-${i}`, 'gpt2', 'text-generation', null, '2024-01-01T00:00:00Z', `/old/models/legacy-${i}`);
  })();
  db.close();
  const modelDirs: string[] = [];
  const old = new Date('2025-01-01T00:00:00Z');
  for (let i = 0; i < orphans; i++) {
    const modelDir = join(modelsDir, `model-${i}_0d6c3f1e-${String(i).padStart(4, '0')}`);
    mkdirSync(modelDir);
    writeFileSync(join(modelDir, 'adapter_config.json'), JSON.stringify({ base_model_name_or_path: 'EleutherAI/gpt-neo-1.3B', task_type: 'CAUSAL_LM', peft_type: 'LORA', r: 8 }));
    writeFileSync(join(modelDir, 'modelforge_config.json'), JSON.stringify({ model_class: 'AutoPeftModelForCausalLM', pipeline_task: i % 3 === 0 ? 'question-answering' : 'text-generation' }));
    writeFileSync(join(modelDir, 'adapter_model.safetensors'), 'weights');
    for (const file of ['adapter_config.json', 'modelforge_config.json', 'adapter_model.safetensors', '.']) utimesSync(join(modelDir, file), old, old);
    modelDirs.push(modelDir);
  }
  const configPath = join(dir, 'driftd.json');
  writeFileSync(
    configPath,
    JSON.stringify(
      {
        // The trial's own journal, beside its database (the default is the user's state directory, shared by every trial).
        audit: { dir: 'audit' },
        targets: [
          {
            name: 'modelforge',
            database: 'modelforge.db',
            schema: DECLARED_SQL,
            repair: 'auto',
            // The shipped mapping maps is_custom_base_model, so reconcile waits for the repair: the seed's order.
            reconcile: [modelforgeRuleInput({ root: 'models', settleSeconds: 0 })],
          },
        ],
      },
      null,
      2,
    ),
  );
  return { dir, dbPath, configPath, modelsDir, modelDirs, writerLog: join(dir, 'writer.log') };
}

/** The schema as SQLite stores it, minus its own internals: equal text means equal state. */
export function normalisedSchema(db: Database.Database): string {
  const rows = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all();
  return JSON.stringify(rows);
}

function readSchema(dbPath: string, when: string): string {
  // Read-write: after the writer is killed a hot journal may be waiting, which a read-only
  // connection cannot roll back (SQLITE_READONLY_ROLLBACK — see src/db/open-database.ts).
  const db = new Database(dbPath, { timeout: 10_000 });
  try {
    return normalisedSchema(db);
  } catch (error) {
    const sizes = ['', '-wal', '-shm', '-journal'].map((suffix) => {
      try {
        return `${suffix || 'db'}=${statSync(dbPath + suffix).size}`;
      } catch {
        return `${suffix || 'db'}=absent`;
      }
    });
    throw new Error(`reading the schema ${when} failed (${sizes.join(' ')}): ${(error as Error).message}`, { cause: error });
  } finally {
    db.close();
  }
}

interface Lines {
  readonly lines: string[];
  waitFor(prefix: string, timeoutMs: number): Promise<void>;
}

function collectLines(child: ChildProcess): Lines {
  const lines: string[] = [];
  const waiters: Array<{ prefix: string; resolve: () => void }> = [];
  let buffer = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      lines.push(line);
      for (const waiter of waiters.filter((w) => line.startsWith(w.prefix))) waiter.resolve();
    }
  });
  return {
    lines,
    waitFor(prefix, timeoutMs) {
      if (lines.some((line) => line.startsWith(prefix))) return Promise.resolve();
      return new Promise((resolvePromise, reject) => {
        const timer = setTimeout(() => reject(new Error(`child did not print "${prefix}" within ${timeoutMs} ms; stdout: ${lines.join(' | ')}`)), timeoutMs);
        const onExit = (code: number | null) => {
          if (!lines.some((line) => line.startsWith(prefix))) {
            clearTimeout(timer);
            reject(new Error(`child exited (${code}) before printing "${prefix}"; stdout: ${lines.join(' | ')}`));
          }
        };
        child.once('exit', onExit);
        waiters.push({
          prefix,
          resolve: () => {
            clearTimeout(timer);
            child.off('exit', onExit);
            resolvePromise();
          },
        });
      });
    },
  };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolvePromise) => child.once('exit', (code, signal) => resolvePromise({ code, signal })));
}

function startCycle(configPath: string) {
  const stderr: string[] = [];
  const child = spawn(process.execPath, [CYCLE_CHILD, configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  return { child, out: collectLines(child), stderr };
}

/** Runs a cycle to completion; throws with its stderr when it fails. */
export async function runCycleToEnd(configPath: string): Promise<string[]> {
  const { child, out, stderr } = startCycle(configPath);
  const { code } = await exited(child);
  if (code !== 0) throw new Error(`cycle exited ${code}: ${stderr.join('')}`);
  return out.lines;
}

export interface Reference {
  readonly before: string;
  readonly after: string;
  /** Median time from "ready" to the repair's commit, in ms. */
  readonly repairMs: number;
  /** Median time from "ready" to the end of the cycle, in ms. */
  readonly cycleMs: number;
}

/** Runs uninterrupted cycles on pristine fixtures to learn the before/after schemas and the timing. */
export async function calibrate(parent: string, journalMode: JournalMode, orphans: number): Promise<Reference> {
  const durations: number[] = [];
  const repairs: number[] = [];
  let before = '';
  let after = '';
  for (let i = 0; i < 3; i++) {
    const fixture = makeFixture(parent, `calibrate-${journalMode}-${i}`, journalMode, orphans);
    before = readSchema(fixture.dbPath, 'before the calibration cycle');
    // Timed with the writer running, as in the trials: contention stretches the cycle.
    const writer = spawn(process.execPath, [WRITER_CHILD, fixture.dbPath, fixture.writerLog], { stdio: ['ignore', 'pipe', 'inherit'] });
    let lines: string[];
    try {
      await collectLines(writer).waitFor('ready', 30_000);
      lines = await runCycleToEnd(fixture.configPath);
    } finally {
      writer.kill('SIGKILL');
      await exited(writer);
    }
    const at = (step: string) => Number(lines.find((line) => line.startsWith(step))!.split(' ').at(-1));
    durations.push(at('reconciled'));
    repairs.push(at('repaired'));
    after = readSchema(fixture.dbPath, 'after the calibration cycle');
    rmSync(fixture.dir, { recursive: true, force: true });
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[1]!;
  return { before, after, repairMs: median(repairs), cycleMs: median(durations) };
}

export interface TrialResult {
  readonly trial: number;
  readonly seed: number;
  readonly journalMode: JournalMode;
  readonly killAfterMs: number;
  /** The last step the cycle reported before the kill: none, repaired, reconciled. */
  readonly reachedBeforeKill: 'none' | 'repaired' | 'reconciled';
  /** The schema found after the kill. */
  readonly schemaState: 'before' | 'after';
  readonly recoveredAtKill: number;
  /** The writer was killed at the same instant (an application crash too). */
  readonly writerKilledToo: boolean;
  /** DELETE mode: a -journal file was on disk right after the kill (a write transaction open or cut short). */
  readonly hotJournal: boolean;
  readonly writerCommitted: number;
  readonly writerSevenColumn: number;
  /** Audit intents the next cycle's start answered from the database: the change had committed / had not. */
  readonly resolvedAtStart: { readonly applied: number; readonly notApplied: number };
  /** Every violated invariant; empty when the trial passed. */
  readonly problems: readonly string[];
}

/**
 * The audit trail after the next cycle: nothing pending, and every committed change — the repair's
 * statements, each recovered row — has exactly one applied entry, and nothing that did not land has
 * one. (No backups here: SQLite's online backup restarts whenever the writer commits, which would
 * stretch the repair window from ~20 ms to seconds and move the kills away from the commit; backup
 * entries are proven in test/audit and through the CLI and the daemon.)
 */
function auditProblems(fixture: Fixture, final: DatabaseFacts): { problems: string[]; resolved: { applied: number; notApplied: number } } {
  const problems: string[] = [];
  const entries = new AuditJournal({ dir: join(fixture.dir, 'audit'), maxBytes: 8 << 20, keep: 5 }).entries();
  const pending = entries.filter((entry) => entry.outcome === 'pending');
  if (pending.length > 0) problems.push(`audit: ${pending.length} entries still pending after the next cycle's start`);
  const applied = entries.filter((entry) => entry.outcome === 'applied');
  // The repair runs once (the kill either let it commit or rolled it back, and then the next cycle ran it): each of its
  // statements has exactly one applied entry.
  const statements = new Map<string, number>();
  for (const entry of applied.filter((item) => item.kind === 'repair')) statements.set(entry.sql!, (statements.get(entry.sql!) ?? 0) + 1);
  if (statements.size === 0 || !statements.has('ALTER TABLE "fine_tuned_models" ADD COLUMN is_custom_base_model BOOLEAN DEFAULT 0;')) problems.push(`audit: no applied entry for the repair's ALTER TABLE (found: ${[...statements.keys()].join(' | ')})`);
  for (const [sql, count] of statements) if (count !== 1) problems.push(`audit: repair statement applied ${count} times in the journal: ${sql}`);
  const rowCounts = new Map<string, number>();
  for (const entry of applied.filter((item) => item.kind === 'recover')) rowCounts.set(String(entry.key), (rowCounts.get(String(entry.key)) ?? 0) + 1);
  const badRows = fixture.modelDirs.filter((dir) => rowCounts.get(dir) !== 1);
  if (badRows.length > 0) problems.push(`audit: ${badRows.length} recovered rows without exactly one applied entry (${badRows.slice(0, 3).map((dir) => `${dir}: ${rowCounts.get(dir) ?? 0}`).join(', ')})`);
  const strays = [...rowCounts.keys()].filter((key) => !final.modelPaths.has(key));
  if (strays.length > 0) problems.push(`audit: applied entries for rows not in the database: ${strays.slice(0, 3).join(', ')}`);
  const resolved = entries.filter((entry) => entry.resolved === 'at-start' && entry.item === 0);
  return { problems, resolved: { applied: resolved.filter((entry) => entry.outcome === 'applied').length, notApplied: resolved.filter((entry) => entry.outcome === 'not-applied').length } };
}

interface DatabaseFacts {
  readonly integrity: string;
  readonly schema: string;
  readonly journalMode: string;
  readonly ids: Set<number>;
  readonly duplicatePaths: string[];
  readonly modelPaths: Map<string, number>;
}

function databaseFacts(dbPath: string): DatabaseFacts {
  // Read-write, as the next user of the file would open it: SQLite rolls back a hot journal (or
  // recovers the WAL) on this first access.
  const db = new Database(dbPath, { timeout: 10_000 });
  try {
    const integrity = (db.prepare('PRAGMA integrity_check').pluck().all() as string[]).join('; ');
    const journalMode = db.prepare('PRAGMA journal_mode').pluck().get() as string;
    const schema = normalisedSchema(db);
    const rows = db.prepare('SELECT id, model_path FROM fine_tuned_models').raw(true).all() as Array<[number, string]>;
    const modelPaths = new Map<string, number>();
    for (const [, path] of rows) modelPaths.set(path, (modelPaths.get(path) ?? 0) + 1);
    return {
      integrity,
      schema,
      journalMode,
      ids: new Set(rows.map(([id]) => id)),
      duplicatePaths: [...modelPaths].filter(([, count]) => count > 1).map(([path]) => path),
      modelPaths,
    };
  } finally {
    db.close();
  }
}

/** Ids from complete lines of the writer's log (a kill can cut the last line short). */
function committedIds(logPath: string): { ids: number[]; seven: number } {
  let text = '';
  try {
    text = readFileSync(logPath, 'utf8');
  } catch {
    return { ids: [], seven: 0 };
  }
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  const ids: number[] = [];
  let seven = 0;
  for (const line of complete.split('\n')) {
    if (!line) continue;
    const [id, columns] = line.split(' ');
    ids.push(Number(id));
    if (columns === '7') seven++;
  }
  return { ids, seven };
}

function journalBytes(dbPath: string): number {
  try {
    return statSync(`${dbPath}-journal`).size;
  } catch {
    return 0;
  }
}

const sleep = (ms: number) => new Promise((resolvePromise) => setTimeout(resolvePromise, ms));

/** One trial: start the writer, start the cycle, SIGKILL the cycle at a seeded instant, then verify. */
export async function runTrial(parent: string, trial: number, seed: number, journalMode: JournalMode, reference: Reference, orphans: number): Promise<TrialResult> {
  const random = prng(seed);
  const fixture = makeFixture(parent, `trial-${trial}`, journalMode, orphans);
  const problems: string[] = [];
  const writer = spawn(process.execPath, [WRITER_CHILD, fixture.dbPath, fixture.writerLog], { stdio: ['ignore', 'pipe', 'pipe'] });
  const writerErr: string[] = [];
  writer.stderr!.setEncoding('utf8').on('data', (chunk: string) => writerErr.push(chunk));
  const writerOut = collectLines(writer);
  let killAfterMs = 0;
  let reached: TrialResult['reachedBeforeKill'] = 'none';
  const writerKilledToo = random() < 0.5;
  let hotJournal = false;
  try {
    await writerOut.waitFor('ready', 30_000);
    const cycle = startCycle(fixture.configPath);
    await cycle.out.waitFor('ready', 30_000);
    // Half the kills aim at the repair (the first few ms: introspect, BEGIN IMMEDIATE, ALTERs,
    // COMMIT), half are spread over the whole cycle including reconcile, plus a margin after it.
    killAfterMs = random() < 0.5 ? random() * reference.repairMs * 1.2 : random() * reference.cycleMs * 1.3;
    await sleep(killAfterMs);
    cycle.child.kill('SIGKILL');
    if (writerKilledToo) writer.kill('SIGKILL');
    const exit = await exited(cycle.child);
    if (writerKilledToo) await exited(writer);
    hotJournal = journalMode === 'delete' && journalBytes(fixture.dbPath) > 0;
    if (exit.signal !== 'SIGKILL' && exit.code !== 0) problems.push(`cycle failed before the kill (exit ${exit.code}): ${cycle.stderr.join('').slice(0, 500)}`);
    reached = cycle.out.lines.some((l) => l.startsWith('reconciled')) ? 'reconciled' : cycle.out.lines.some((l) => l.startsWith('repaired')) ? 'repaired' : 'none';
    // Otherwise let the writer commit across the crash for a moment (past the dead process's locks).
    if (!writerKilledToo) await sleep(5 + random() * 40);
  } finally {
    writer.kill('SIGKILL');
    await exited(writer);
  }
  if (writerErr.length > 0) problems.push(`writer failed: ${writerErr.join('').slice(0, 500)}`);

  const committed = committedIds(fixture.writerLog);
  const afterKill = databaseFacts(fixture.dbPath);
  const state = afterKill.schema === reference.before ? 'before' : afterKill.schema === reference.after ? 'after' : null;
  if (afterKill.integrity !== 'ok') problems.push(`integrity_check after kill: ${afterKill.integrity}`);
  if (state === null) problems.push(`schema after kill is neither the before nor the after state: ${afterKill.schema}`);
  if (afterKill.journalMode !== journalMode) problems.push(`journal mode changed from ${journalMode} to ${afterKill.journalMode}`);
  const lost = committed.ids.filter((id) => !afterKill.ids.has(id));
  if (lost.length > 0) problems.push(`${lost.length} committed writer rows missing after kill (ids ${lost.slice(0, 10).join(', ')})`);
  if (afterKill.duplicatePaths.length > 0) problems.push(`rows duplicated after kill: ${afterKill.duplicatePaths.slice(0, 5).join(', ')}`);
  const recoveredAtKill = fixture.modelDirs.filter((dir) => afterKill.modelPaths.has(dir)).length;
  if (recoveredAtKill !== 0 && recoveredAtKill !== fixture.modelDirs.length) {
    problems.push(`a reconcile round is all-or-nothing, but ${recoveredAtKill} of ${fixture.modelDirs.length} orphans were present after the kill`);
  }
  if (recoveredAtKill > 0 && state !== 'after') problems.push('rows were recovered but the schema is not repaired');

  // The next cycle must converge: repaired schema, every orphan exactly once, nothing lost.
  let resolvedAtStart = { applied: 0, notApplied: 0 };
  try {
    await runCycleToEnd(fixture.configPath);
    const final = databaseFacts(fixture.dbPath);
    if (final.integrity !== 'ok') problems.push(`integrity_check after the next cycle: ${final.integrity}`);
    if (final.schema !== reference.after) problems.push(`schema after the next cycle is not the after state: ${final.schema}`);
    const missing = fixture.modelDirs.filter((dir) => final.modelPaths.get(dir) !== 1);
    if (missing.length > 0) problems.push(`${missing.length} orphans not present exactly once after the next cycle (${missing.slice(0, 3).join(', ')})`);
    if (final.duplicatePaths.length > 0) problems.push(`rows duplicated after the next cycle: ${final.duplicatePaths.slice(0, 5).join(', ')}`);
    const lostLater = committed.ids.filter((id) => !final.ids.has(id));
    if (lostLater.length > 0) problems.push(`${lostLater.length} committed writer rows missing after the next cycle`);
    const audit = auditProblems(fixture, final);
    problems.push(...audit.problems);
    resolvedAtStart = audit.resolved;
  } catch (error) {
    problems.push(`the next cycle failed: ${(error as Error).message}`);
  }

  if (problems.length === 0) rmSync(fixture.dir, { recursive: true, force: true });
  else problems.push(`evidence kept in ${fixture.dir}`);
  return {
    trial,
    seed,
    journalMode,
    killAfterMs,
    reachedBeforeKill: reached,
    schemaState: state ?? 'before',
    recoveredAtKill,
    writerKilledToo,
    hotJournal,
    writerCommitted: committed.ids.length,
    writerSevenColumn: committed.seven,
    resolvedAtStart,
    problems,
  };
}

export interface TortureOptions {
  readonly trials: number;
  readonly seed: number;
  readonly orphans?: number;
  readonly onTrial?: (result: TrialResult) => void;
}

export interface TortureSummary {
  readonly results: readonly TrialResult[];
  readonly references: Readonly<Record<JournalMode, Reference>>;
}

/** Runs `trials` trials alternating DELETE and WAL journal modes; trial i uses seed `seed + i`. */
export async function runTorture(options: TortureOptions): Promise<TortureSummary> {
  const orphans = options.orphans ?? 40;
  const parent = mkdtempSync(join(tmpdir(), 'driftd-torture-'));
  const references = {
    delete: await calibrate(parent, 'delete', orphans),
    wal: await calibrate(parent, 'wal', orphans),
  };
  const results: TrialResult[] = [];
  for (let trial = 0; trial < options.trials; trial++) {
    const journalMode: JournalMode = trial % 2 === 0 ? 'delete' : 'wal';
    const result = await runTrial(parent, trial, options.seed + trial, journalMode, references[journalMode], orphans);
    results.push(result);
    options.onTrial?.(result);
  }
  if (results.every((result) => result.problems.length === 0)) rmSync(parent, { recursive: true, force: true });
  return { results, references };
}

