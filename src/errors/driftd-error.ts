/**
 * The one error catalogue. Every error driftd raises carries a stable `code`
 * (documented in README "Error codes"), a message that names what and where,
 * and, where the operator can act, a `hint`. Library code throws these; only
 * the CLI and the daemon decide how to log them and which exit code follows.
 */
export const ERROR_CODES = {
  // databases
  DB_NOT_FOUND: 'the database file does not exist',
  DB_IS_DIRECTORY: 'the database path is a directory',
  DB_NOT_A_FILE: 'the database path is not a regular file',
  DB_NOT_SQLITE: 'the file is not an SQLite database',
  DB_CORRUPT: 'the database file is corrupt',
  DB_BUSY: 'the database stayed locked for the whole busy timeout',
  DB_READONLY: 'the database cannot be written',
  DB_PERMISSION: 'the database file cannot be opened with the current permissions',
  DB_OPEN_FAILED: 'the database could not be opened',
  // declared schemas
  SCHEMA_NOT_FOUND: 'the schema file does not exist',
  SCHEMA_UNREADABLE: 'the schema file cannot be read',
  SCHEMA_UNSUPPORTED_FORMAT: 'the schema file is neither .sql nor .json',
  SCHEMA_SQL_ERROR: 'the schema SQL does not execute',
  SCHEMA_SQL_FORBIDDEN: 'the schema SQL contains a statement other than CREATE TABLE/INDEX',
  SCHEMA_JSON_SYNTAX: 'the schema JSON does not parse',
  SCHEMA_JSON_INVALID: 'the schema JSON does not match the declaration format',
  SCHEMA_EMPTY: 'the schema declares no table',
  // repair
  REPAIR_STEP_FAILED: 'a repair step failed; the whole repair was rolled back',
  REPAIR_VERIFY_FAILED: 'the database did not match the plan after repair; rolled back',
  BACKUP_FAILED: 'the backup before repair failed; nothing was changed',
  // config
  CONFIG_NOT_FOUND: 'the config file does not exist',
  CONFIG_UNREADABLE: 'the config file cannot be read',
  CONFIG_JSON_SYNTAX: 'the config file is not valid JSON',
  CONFIG_INVALID: 'the config does not match the config format',
  CONFIG_TARGET_UNKNOWN: 'no target of that name in the config',
  // reconcile
  RECONCILE_ROOT_MISSING: 'the reconcile root directory does not exist',
  RECONCILE_ROOT_UNREADABLE: 'the reconcile root is not a directory or cannot be listed',
  RECONCILE_NO_RULES: 'the selected targets have no reconcile rules',
  RECONCILE_BLOCKED_BY_DRIFT: 'the reconcile table lacks mapped columns; repair the schema first',
  RECONCILE_INSERT_FAILED: 'inserting recovered rows failed; the round was rolled back',
  // audit trail
  AUDIT_WRITE_FAILED: 'the audit journal could not be written; the change was not made',
  AUDIT_UNREADABLE: 'the audit journal cannot be read',
  // daemon
  HTTP_LISTEN_FAILED: 'the HTTP listener could not bind its address',
  // usage
  USAGE: 'the command line is not valid',
  INTERNAL: 'an unexpected internal error',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface DriftdErrorOptions {
  /** What the operator can do about it. */
  readonly hint?: string;
  /** The underlying error, kept for logs. */
  readonly cause?: unknown;
  /** Where: a file, a table, a column, a config path. Shown in the message already; kept for JSON. */
  readonly where?: Readonly<Record<string, string | number>>;
}

export class DriftdError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly where: Readonly<Record<string, string | number>> | undefined;

  constructor(code: ErrorCode, message: string, options: DriftdErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DriftdError';
    this.code = code;
    this.hint = options.hint;
    this.where = options.where;
  }

  /** One line for stderr and logs: `CODE: message (hint: …)`. */
  toLine(): string {
    return `${this.code}: ${this.message}${this.hint ? ` (hint: ${this.hint})` : ''}`;
  }

  toJSON(): { code: ErrorCode; message: string; hint?: string; where?: Record<string, string | number> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.where ? { where: { ...this.where } } : {}),
    };
  }
}

/** Prefix context as an error travels up, keeping its code: `introspect "x.db": …`. */
export function withContext(context: string, error: unknown): DriftdError {
  if (error instanceof DriftdError) {
    const wrapped = new DriftdError(error.code, `${context}: ${error.message}`, {
      hint: error.hint,
      cause: error.cause,
      where: error.where,
    });
    return wrapped;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new DriftdError('INTERNAL', `${context}: ${message}`, { cause: error });
}

export function isDriftdError(error: unknown): error is DriftdError {
  return error instanceof DriftdError;
}
