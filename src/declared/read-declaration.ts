import { extname } from 'node:path';
import { DriftdError } from '../errors/driftd-error.js';
import { FILE_LIMITS, readRegularFileOrThrow } from '../fs/read-regular-file.js';
import type { Schema } from '../schema/schema-model.js';

export interface DeclaredSchema {
  readonly schema: Schema;
  /** The file it came from, as given. */
  readonly path: string;
  /** sha256 of the file's bytes: the daemon skips reloading an unchanged file. */
  readonly contentHash: string;
}

/** A declaration file's text, before it is parsed: its format comes from the extension. */
export interface DeclarationText {
  readonly text: string;
  readonly format: 'sql' | 'json';
}

/** Reads a `.sql` or `.json` declaration file. Throws `DriftdError` naming the file. */
export function readDeclaration(path: string): DeclarationText {
  // A regular file of bounded size, opened without blocking: a FIFO or /dev/zero named as a schema must not hang or exhaust the daemon.
  const text = readRegularFileOrThrow(path, 'schema file', { missing: 'SCHEMA_NOT_FOUND', notAFile: 'SCHEMA_NOT_A_FILE', tooLarge: 'SCHEMA_TOO_LARGE', unreadable: 'SCHEMA_UNREADABLE' }, { maxBytes: FILE_LIMITS.schema }).bytes.toString('utf8');
  const extension = extname(path).toLowerCase();
  if (extension === '.sql') return { text, format: 'sql' };
  if (extension === '.json') return { text, format: 'json' };
  throw new DriftdError('SCHEMA_UNSUPPORTED_FORMAT', `schema file "${path}" must end in .sql or .json`, { where: { file: path } });
}
