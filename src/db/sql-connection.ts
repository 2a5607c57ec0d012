/**
 * The subset of better-sqlite3's `Database` that driftd's core uses. Code that
 * takes an `SqlConnection` never imports a driver, so it runs on any handle
 * with this shape and is tested against real SQLite files.
 */
export interface SqlStatement {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
}

export interface SqlConnection {
  prepare(sql: string): SqlStatement;
  exec(sql: string): unknown;
  readonly inTransaction: boolean;
}
