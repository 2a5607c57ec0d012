import { closeSync, constants, openSync } from 'node:fs';
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

/** Why SQLite could not open `path`: an open of our own (non-blocking, closed at once) reports the errno. */
function probeCantOpen(path: string): DatabaseCondition {
  try {
    closeSync(openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
    return 'cant-open';
  } catch (error) {
    const condition = conditionOf(resultCodeOf(error));
    return condition === 'other' ? 'cant-open' : condition;
  }
}
