/**
 * The kinds of target, a closed set: a single database file, or a fleet (a
 * glob naming many). Whatever the daemon does per kind goes through one table
 * typed `Record<TargetKind, …>` (daemon.ts `kindRunners`), so a new kind breaks
 * the build where it must be handled; what is the same for every kind (back-off,
 * state, hold judgement, fast-path rule) lives once in src/pipeline/ and src/check/.
 */
export type TargetKind = 'file' | 'fleet';

export const TARGET_KINDS = ['file', 'fleet'] as const satisfies readonly TargetKind[];

/** The kind of a configured target (`"databases"` makes a fleet). */
export function targetKind(target: { readonly fleet?: unknown }): TargetKind {
  return target.fleet ? 'fleet' : 'file';
}
