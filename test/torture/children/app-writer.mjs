#!/usr/bin/env node
// An application-like writer: inserts fine_tuned_models rows as fast as it can, each in its own
// transaction, and appends the id to a log only after COMMIT returned — so every id in the log is a
// row the database promised to keep. Like ModelForge 0.2.1 it tries the 7-column INSERT first and,
// while the column is missing, falls back to the 6-column one (the real app lost the row instead).
// Between commits it pauses PAUSE_MS (default 1): an unthrottled loop in rollback-journal mode holds
// the lock nearly all the time and starves every other writer's busy handler (SQLite's busy timeout
// polls with sleeps of up to 100 ms and has no fairness), which is a property of SQLite, not a test.
// usage: node app-writer.mjs DB_FILE LOG_FILE [PAUSE_MS]   (runs until killed)
import { openSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';

const [dbPath, logPath, pauseArg] = process.argv.slice(2);
const pauseMs = Number(pauseArg ?? 1);
const pause = new Int32Array(new SharedArrayBuffer(4));
const db = new Database(dbPath, { timeout: 10_000 });
const log = openSync(logPath, 'a');
const SIX = 'INSERT INTO fine_tuned_models (model_name, base_model, task, description, creation_date, model_path) VALUES (?, ?, ?, ?, ?, ?)';
const SEVEN = 'INSERT INTO fine_tuned_models (model_name, base_model, task, description, creation_date, model_path, is_custom_base_model) VALUES (?, ?, ?, ?, ?, ?, 0)';
const six = db.prepare(SIX);
let seven = null;
for (let n = 0; ; n++) {
  if (seven === null && n % 10 === 0) {
    try {
      seven = db.prepare(SEVEN);
    } catch {
      seven = null; // "table fine_tuned_models has no column named is_custom_base_model"
    }
  }
  const values = [`app-${process.pid}-${n}`, 'EleutherAI/gpt-neo-125m', 'text-generation', 'written by the app', new Date().toISOString(), `/app/models/app-${process.pid}-${n}`];
  const { lastInsertRowid } = (seven ?? six).run(...values);
  writeSync(log, `${lastInsertRowid} ${seven ? 7 : 6}\n`);
  if (n === 0) writeSync(1, 'ready\n');
  if (pauseMs > 0) Atomics.wait(pause, 0, 0, pauseMs);
}
