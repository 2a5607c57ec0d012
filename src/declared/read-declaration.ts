import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { DriftdError } from '../errors/driftd-error.js';
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
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DriftdError('SCHEMA_NOT_FOUND', `schema file "${path}" does not exist`, { where: { file: path } });
    throw new DriftdError('SCHEMA_UNREADABLE', `schema file "${path}" cannot be read: ${(error as Error).message}`, { where: { file: path }, cause: error });
  }
  const extension = extname(path).toLowerCase();
  if (extension === '.sql') return { text, format: 'sql' };
  if (extension === '.json') return { text, format: 'json' };
  throw new DriftdError('SCHEMA_UNSUPPORTED_FORMAT', `schema file "${path}" must end in .sql or .json`, { where: { file: path } });
}
