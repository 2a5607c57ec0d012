import { accessSync, closeSync, constants, openSync } from 'node:fs';
import { DriftdError } from '../errors/driftd-error.js';
import { CONDITIONS, conditionOf, resultCodeOf, type DatabaseCondition } from '../errors/result-codes.js';

/**
 * Maps an SQLite (or fs) error to the catalogue, naming the file and what driftd was doing.
 * SQLITE_CANTOPEN does not say why; when `path` can be probed, an open of our own tells a
 * descriptor shortage (EMFILE/ENFILE) from a permission problem.
 */
export function sqliteError(error: unknown, path: string, doing: string): DriftdError {
  if (error instanceof DriftdError) return error;
  const message = error instanceof Error ? error.message : String(error);
  let condition = conditionOf(resultCodeOf(error));
  if (condition === 'cant-open') condition = probeCantOpen(path);
  const { code, says, hint } = CONDITIONS[condition];
  return new DriftdError(code, `database "${path}" ${says} (${doing}): ${message}`, { where: { file: path }, cause: error, ...(hint ? { hint } : {}) });
}

/**
 * Why SQLite could not open `path`: an open of our own (non-blocking, closed at once) reports a
 * descriptor shortage. It opens /dev/null, never `path`: a fleet file's path may lead through a
 * directory swapped for a symlink, and driftd opens nothing outside a fleet's root (issue 14).
 */
function probeCantOpen(path: string): DatabaseCondition {
  try {
    closeSync(openSync('/dev/null', constants.O_RDONLY | constants.O_NONBLOCK));
    // access(2) opens nothing: permission problems on the path (cant-open and permission share a code).
    accessSync(path, constants.R_OK);
    return 'cant-open';
  } catch (error) {
    const condition = conditionOf(resultCodeOf(error));
    return condition === 'other' ? 'cant-open' : condition;
  }
}
