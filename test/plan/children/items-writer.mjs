#!/usr/bin/env node
// An application writing while `driftd apply` rebuilds its table: inserts into "items" (the table
// being rebuilt) and "notes" (a table with a foreign key to it), one transaction each, and appends
// the rowid to its log only after COMMIT returned — every logged id is a row SQLite promised to
// keep. It waits on the lock (busy timeout) and retries on SQLITE_BUSY, as an application should.
// usage: node items-writer.mjs DB_FILE LOG_FILE   (runs until killed; prints "ready" after its first commit)
import { openSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';

const [dbPath, logPath] = process.argv.slice(2);
const pause = new Int32Array(new SharedArrayBuffer(4));
const db = new Database(dbPath, { timeout: 20_000 });
const log = openSync(logPath, 'a');
const insertItem = db.prepare('INSERT INTO items (name, qty) VALUES (?, ?)');
const insertNote = db.prepare('INSERT INTO notes (item_id, body) VALUES (?, ?)');
let busy = 0;
for (let n = 0; ; n++) {
  try {
    const { lastInsertRowid } = insertItem.run(`app-${n}`, n % 7);
    writeSync(log, `items ${lastInsertRowid} ${n}\n`);
    const note = insertNote.run(lastInsertRowid, `note ${n}`);
    writeSync(log, `notes ${note.lastInsertRowid} ${n}\n`);
  } catch (error) {
    if (error.code !== 'SQLITE_BUSY') throw error;
    busy++;
    writeSync(log, `busy ${busy}\n`);
  }
  if (n === 0) writeSync(1, 'ready\n');
  Atomics.wait(pause, 0, 0, 2);
}
