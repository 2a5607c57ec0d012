import { isAbsolute, join } from 'node:path';
import { expandPath } from './expand-path.js';

/**
 * Where the audit journal lives when the config sets no `audit.dir` (and where `--db/--schema`
 * commands record): a directory the shipped units make writable.
 * 1. `$STATE_DIRECTORY/audit` — systemd sets STATE_DIRECTORY for `StateDirectory=` (the system
 *    unit: /var/lib/driftd, writable under ProtectSystem=strict);
 * 2. `$XDG_STATE_HOME/driftd/audit`, `~/.local/state/driftd/audit` when XDG_STATE_HOME is unset —
 *    the user unit's `ReadWritePaths=` grants `%h/.local/state/driftd` (its home is read-only);
 * 3. `fallback` (the config's own directory's `audit`) when neither HOME nor XDG_STATE_HOME is usable.
 * Pure: the environment is passed in.
 */
export function defaultAuditDir(env: Readonly<Record<string, string | undefined>>, fallback: string): string {
  const state = env.STATE_DIRECTORY?.split(':')[0];
  if (state && isAbsolute(state)) return join(state, 'audit');
  const xdg = expandPath('$XDG_STATE_HOME/driftd/audit', env);
  return xdg.ok ? xdg.path : fallback;
}
