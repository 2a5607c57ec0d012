import { summarizeError, type DriftdError, type ErrorSummary } from '../errors/driftd-error.js';
import type { CheckReport, ReportedDrift } from '../report/report-vocabulary.js';

export { reportJson } from '../check/report-json.js';

/** Readable lines: one per drift item with the SQL that would run, then extras and a summary. */
export function reportText(report: CheckReport, mode: 'check' | 'dry-run' | 'repair', targetName: string, options: { readonly reportOnly?: boolean } = {}): string {
  const lines: string[] = [`${targetName}: ${report.database}`];
  if (options.reportOnly) lines.push('  report-only target: not repaired (repair: "report"); shown as a dry run');
  for (const tool of report.migrationTools) lines.push(`  migration tool: ${tool.name} (history table "${tool.table}")`);
  if (report.repairHeld !== null) lines.push(`  repair held: ${report.repairHeld}`);
  if (report.drift.length === 0) lines.push('  no drift: every declared table, column, index, view and trigger matches');
  // Columns as wide as this report's longest kind, at least the width earlier releases printed.
  const kindWidth = Math.max(18, ...report.drift.map((item) => item.kind.length));
  for (const item of report.drift) {
    lines.push(`  ${item.safe ? 'safe  ' : 'UNSAFE'} ${item.kind.padEnd(kindWidth)} ${where(item).padEnd(40)} ${item.detail}`);
    if (item.sql && mode !== 'check') lines.push(`         ${mode === 'dry-run' ? 'would run' : 'plan'}: ${item.sql}`);
    else if (item.sql) lines.push(`         repair with: ${item.sql}`);
    if (!item.safe) lines.push(`         not repaired: ${item.reason}`);
    if (item.definitionDiff) {
      lines.push('         diff (- live, + declared):');
      for (const line of item.definitionDiff) lines.push(`           ${line}`);
    }
    if (item.manual && item.manual.statements.length > 0) {
      lines.push(`         to fix by hand (after a backup, e.g. in \`sqlite3 -bail\`; ${item.manual.note}):`);
      for (const statement of item.manual.statements) lines.push(`           ${statement.split('\n').join('\n           ')}`);
    } else if (item.manual) {
      lines.push(`         to fix: ${item.manual.note}`);
    }
    if (item.hint) lines.push(`         run: ${item.hint}`);
  }
  for (const step of report.applied) lines.push(`  applied: ${step.sql}`);
  for (const extra of report.extras) lines.push(`  extra  ${extra.kind.padEnd(18)} ${extra.detail}`);
  if (report.backupPath) lines.push(`  backup: ${report.backupPath}`);
  const safeCount = report.drift.filter((item) => item.safe).length;
  const status =
    mode === 'repair'
      ? report.inSync
        ? `in sync after ${report.applied.length} repair step${report.applied.length === 1 ? '' : 's'}`
        : `${report.remaining.length} drift item${report.remaining.length === 1 ? '' : 's'} left that driftd does not repair automatically`
      : report.inSync
        ? 'in sync'
        : `${report.drift.length} drift item${report.drift.length === 1 ? '' : 's'} (${safeCount} safe to repair)`;
  lines.push(`  result: ${status}; ${report.extras.length} extra${report.extras.length === 1 ? '' : 's'} left alone`);
  return `${lines.join('\n')}\n`;
}

function where(item: ReportedDrift): string {
  if (item.column) return `${item.table}.${item.column}`;
  if (item.index) return `${item.table} index ${item.index}`;
  if (item.trigger) return `${item.table} trigger ${item.trigger}`;
  if (item.view) return `view ${item.view}`;
  return item.table;
}

/** A failed target's error in `--json` output: its catalogue code, message and hint. */
export function errorJson(error: DriftdError): ErrorSummary {
  return summarizeError(error);
}

/** A config target that failed, in its place among the others' reports. */
export function targetErrorText(targetName: string, database: string, error: DriftdError): string {
  return `${targetName}: ${database}\n  error: ${error.toLine()}\n  result: failed; nothing changed in this target\n`;
}
