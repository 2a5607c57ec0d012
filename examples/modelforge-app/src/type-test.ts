// Compiled (never run) by test/deploy/library-install.test.ts against the installed package's types:
// each @ts-expect-error line must be an error under strict tsc, so the shipped types are real, not `any`.
import Database from 'better-sqlite3';
import { check, ensureSchema, reconcile, repair, DriftdError, ERROR_CODES, type DriftReport, type ErrorCode } from 'driftd';

export async function typeTest(db: Database.Database): Promise<void> {
  const report: DriftReport = await ensureSchema({ database: db, schema: 'schema.sql' });
  const kinds: string[] = report.drift.map((item) => item.kind);
  const safe: boolean = report.drift.every((item) => item.safe);
  const sqls: string[] = (report.applied ?? []).map((step) => step.sql);
  const checked: boolean = (await check({ database: 'app.db', schema: { sql: 'CREATE TABLE t (x)' } })).inSync;
  const repaired = await repair({ database: 'app.db', schema: { json: { tables: {} } }, dryRun: true, backup: { dir: '/var/backups' } });
  const rules = await reconcile({ database: 'app.db', schema: 'schema.sql', rules: [], baseDir: '/srv' });
  const code: ErrorCode = 'SCHEMA_UNSAFE_DRIFT';
  const known: string = ERROR_CODES[code];
  void [kinds, safe, sqls, checked, repaired.remaining, rules[0]?.recovered, known];

  // @ts-expect-error database must be a path or a connection
  await ensureSchema({ database: 42, schema: 'schema.sql' });
  // @ts-expect-error schema is required
  await check({ database: 'app.db' });
  // @ts-expect-error policy values are closed
  await ensureSchema({ database: db, schema: 'schema.sql', policy: { unsafeDrift: 'ignore' } });
  // @ts-expect-error the report has no such field
  void report.notAField;
  // @ts-expect-error error codes are a closed set
  const wrong: ErrorCode = 'NOT_A_CODE';
  void wrong;
  try {
    await repair({ database: 'app.db', schema: 'schema.sql' });
  } catch (error) {
    if (error instanceof DriftdError) {
      const hint: string | undefined = error.hint;
      // @ts-expect-error code is a catalogue code, not any string
      const other: 'X' = error.code;
      void [hint, other];
    }
  }
}
