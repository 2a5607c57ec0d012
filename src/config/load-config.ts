import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadDeclaredSchema } from '../declared/load-declared-schema.js';
import { parseConfig, type ConfigParseResult } from './parse-config.js';

/**
 * Reads a config file and parses it; file errors become problems too, so callers see one shape.
 * Reconcile rules are checked against each target's declared schema here.
 */
export function loadConfig(path: string, env: Readonly<Record<string, string | undefined>> = process.env): ConfigParseResult {
  const absolute = resolve(path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? { ok: false, problems: [{ path: '(file)', message: `config file "${absolute}" does not exist`, code: 'CONFIG_NOT_FOUND' }] }
      : { ok: false, problems: [{ path: '(file)', message: `cannot read "${absolute}": ${(error as Error).message}`, code: 'CONFIG_UNREADABLE' }] };
  }
  return parseConfig(text, { baseDir: dirname(absolute), env, source: absolute, declaredSchema: (schemaPath) => loadDeclaredSchema(schemaPath).schema });
}

