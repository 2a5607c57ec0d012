import { DriftdError } from '../errors/driftd-error.js';

/** Where a command writes; injected so commands are tested without a process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Exit codes, like diff(1): 0 nothing to do, 1 something found/left, 2 error. */
export const EXIT = { ok: 0, found: 1, error: 2 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A command: parsed argv in, exit code out. */
export type Command = (argv: readonly string[], io: CliIo) => Promise<ExitCode>;

export function usageError(message: string): DriftdError {
  return new DriftdError('USAGE', message, { hint: 'run `driftd help` for the commands and their options' });
}
