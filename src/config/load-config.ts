import { dirname, resolve } from 'node:path';
import { loadDeclaredSchema } from '../declared/load-declared-schema.js';
import { readConfigBytes } from './read-config-file.js';
import { parseConfig, type ConfigParseResult } from './parse-config.js';

/**
 * Reads a config file and parses it; file errors become problems too, so callers see one shape.
 * Reconcile rules are checked against each target's declared schema here.
 */
export function loadConfig(path: string, env: Readonly<Record<string, string | undefined>> = process.env): ConfigParseResult {
  const absolute = resolve(path);
  const read = readConfigBytes(absolute);
  if (!read.ok) return { ok: false, problems: [read.problem] };
  return parseConfig(read.bytes.toString('utf8'), { baseDir: dirname(absolute), env, source: absolute, declaredSchema: (schemaPath) => loadDeclaredSchema(schemaPath).schema });
}

