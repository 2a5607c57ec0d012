#!/usr/bin/env node
// An application's start-up with driftd: open the database, bring it to the declared schema on
// that same connection, then work. Run: node dist/main.js DATABASE_FILE
import Database from 'better-sqlite3';
import { DriftdError, ensureSchema, SchemaPolicyError, type DriftReport } from 'driftd';
import { insertModel, countModels } from './models.js';
import { SCHEMA_SQL } from './schema.js';

async function start(path: string): Promise<number> {
  const db = new Database(path);
  try {
    db.pragma('foreign_keys = ON');
    let report: DriftReport;
    try {
      report = await ensureSchema({
        database: db,
        schema: { sql: SCHEMA_SQL, label: 'modelforge schema' },
        // The defaults, spelled out: unsafe drift or a migration tool holding the repair stops start-up.
        policy: { unsafeDrift: 'throw', migrationTool: 'throw' },
        logger: { info: (message) => console.error(message), warn: (message) => console.error(message) },
      });
    } catch (error) {
      if (error instanceof SchemaPolicyError) {
        console.error(`cannot start: ${error.code}: ${error.message}`);
        return 3;
      }
      if (error instanceof DriftdError) {
        console.error(`cannot start: ${error.code}: ${error.message}${error.hint ? ` (${error.hint})` : ''}`);
        return 2;
      }
      throw error;
    }
    const id = insertModel(db, { modelName: 'demo-adapter', baseModel: 'llama-3-8b', task: 'text-generation', description: null, modelPath: `/models/demo-adapter-${Date.now()}`, isCustomBaseModel: true }, new Date());
    console.log(JSON.stringify({ applied: (report.applied ?? []).map((step) => step.sql), inSync: report.inSync, inserted: id, models: countModels(db) }));
    return 0;
  } finally {
    db.close();
  }
}

const path = process.argv[2];
if (path === undefined) {
  console.error('usage: node dist/main.js DATABASE_FILE');
  process.exitCode = 2;
} else {
  process.exitCode = await start(path);
}
