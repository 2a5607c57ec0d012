import type { AuditChange, AuditOutcome } from './audit-record.js';

/** Names an intent so its outcome can refer to it. */
export interface AuditTicket {
  readonly id: string;
  /** Set when the change was recorded as several intents (audit-record.ts `part`): each part's id and items. */
  readonly parts?: readonly { readonly id: string; readonly first: number; readonly count: number }[];
}

/**
 * The narrow surface the engine (repair, reconcile, backup) records its
 * changes through, bound by the caller to one target, database and cycle.
 * `intend` runs before the change can commit and is durable when it returns
 * (fsync'd); it throws `AUDIT_WRITE_FAILED`, and then the change must not
 * happen. `settle` runs after the commit or rollback and never throws: an
 * outcome that could not be written is recovered at the next start from the
 * database itself (resolve-pending.ts).
 */
export interface AuditSink {
  intend(change: AuditChange): AuditTicket;
  settle(ticket: AuditTicket, outcome: AuditOutcome): void;
}
