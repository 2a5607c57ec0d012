import { join } from 'node:path';
import { AuditJournal } from '../audit/audit-journal.js';
import { databaseProbe, resolvePending } from '../audit/resolve-pending.js';
import type { Config } from '../config/parse-config.js';
import { defaultAuditDir } from '../config/default-audit-dir.js';

const AD_HOC_ROTATION = { maxBytes: 8 * 1024 * 1024, keep: 5 } as const;

/**
 * The audit journal a CLI command records into (or reads): the config's
 * (`audit` in the config), or for `--db/--schema` the user's state directory:
 * $STATE_DIRECTORY/audit, else $XDG_STATE_HOME/driftd/audit, else
 * ~/.local/state/driftd/audit.
 */
export function cliJournal(config: Config | null, env: Readonly<Record<string, string | undefined>>): AuditJournal {
  if (config) return new AuditJournal(config.audit);
  return new AuditJournal({ dir: adHocAuditDir(env), ...AD_HOC_ROTATION });
}

export function adHocAuditDir(env: Readonly<Record<string, string | undefined>>): string {
  return defaultAuditDir(env, join(env.HOME ?? '/', '.local', 'state', 'driftd', 'audit'));
}

/** A command about to write: first answer the intents of a driftd that died mid-change (audit/resolve-pending.ts). */
export function journalForWriting(config: Config | null, env: Readonly<Record<string, string | undefined>>): AuditJournal {
  const journal = cliJournal(config, env);
  resolvePending(journal, databaseProbe(config?.targets.flatMap((target) => (target.fleet ? [target.fleet.root] : [])) ?? []));
  return journal;
}
