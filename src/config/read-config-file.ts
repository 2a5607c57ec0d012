import { DriftdError } from '../errors/driftd-error.js';
import { FILE_LIMITS, readRegularFileOrThrow } from '../fs/read-regular-file.js';
import type { ConfigProblem } from './parse-config.js';

/**
 * Reads the config file as `driftd validate`, `check --config` and the daemon all do: a regular
 * file of at most `FILE_LIMITS.config` bytes, opened without blocking. A failure is a file-level
 * problem with its code (CONFIG_NOT_FOUND, CONFIG_NOT_A_FILE, CONFIG_TOO_LARGE, CONFIG_UNREADABLE).
 */
export function readConfigBytes(absolute: string): { ok: true; bytes: Buffer } | { ok: false; problem: ConfigProblem } {
  try {
    const { bytes } = readRegularFileOrThrow(
      absolute,
      'config file',
      { missing: 'CONFIG_NOT_FOUND', notAFile: 'CONFIG_NOT_A_FILE', tooLarge: 'CONFIG_TOO_LARGE', unreadable: 'CONFIG_UNREADABLE' },
      { maxBytes: FILE_LIMITS.config },
    );
    return { ok: true, bytes };
  } catch (error) {
    if (!(error instanceof DriftdError)) throw error;
    return { ok: false, problem: { path: '(file)', message: error.message, code: error.code } };
  }
}
