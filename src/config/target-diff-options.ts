import type { DiffOptions } from '../diff/diff.js';
import type { TargetConfig } from './parse-config.js';

/**
 * The diff options a target's keys set (`ignoreTables`, `columnOrder`), built in one place for
 * every runner (daemon, fleet, CLI). The runners' settings keys include this object, so a reload
 * that changes any of them re-checks the target fully.
 */
export function targetDiffOptions(target: Pick<TargetConfig, 'ignoreTables' | 'columnOrder'>): DiffOptions {
  return { ignoreTables: target.ignoreTables, columnOrder: target.columnOrder ?? 'report' };
}
