// audit.dir expands like every other path key, defaults to a directory the shipped units make
// writable, and audit.maxBytes is bounded by what a reader reads (issue 14 items 1 and 6).
import { describe, expect, it } from 'vitest';
import { AUDIT_LIMITS, MAX_ROTATE_BYTES } from '../../src/audit/bound-change.js';
import { parseConfig } from '../../src/config/parse-config.js';

const HOME = '/home/ada';
const parse = (audit: Record<string, unknown> | undefined, env: Record<string, string | undefined>) =>
  parseConfig(JSON.stringify({ ...(audit ? { audit } : {}), targets: [{ name: 'app', database: 'app.db', schema: 's.sql' }] }), { baseDir: '/etc/driftd', env, source: 'c.json' });
const dirOf = (result: ReturnType<typeof parse>) => (result.ok ? result.config.audit.dir : result.problems.map((problem) => `${problem.path}: ${problem.message}`));

describe('audit.dir', () => {
  it.each([
    ['$XDG_STATE_HOME unset: its default under $HOME', '$XDG_STATE_HOME/driftd/audit', { HOME }, `${HOME}/.local/state/driftd/audit`],
    ['$XDG_STATE_HOME set', '$XDG_STATE_HOME/driftd/audit', { HOME, XDG_STATE_HOME: '/state' }, '/state/driftd/audit'],
    ['~', '~/.local/state/driftd/audit', { HOME }, `${HOME}/.local/state/driftd/audit`],
    ['${NAME}', '${STATE_DIRECTORY}/audit', { STATE_DIRECTORY: '/var/lib/driftd' }, '/var/lib/driftd/audit'],
    ['relative: against the config file', 'audit', {}, '/etc/driftd/audit'],
    ['$$ is a literal $', 'odd$$dir', {}, '/etc/driftd/odd$dir'],
  ] as const)('expands like every other path: %s', (_name, dir, env, expected) => {
    expect(dirOf(parse({ dir }, env))).toBe(expected);
  });

  it('a variable that cannot be expanded is a problem at audit.dir (never a literal "$XDG_STATE_HOME" directory)', () => {
    expect(dirOf(parse({ dir: '$AUDIT_ROOT/x' }, { HOME }))).toEqual(['audit.dir: cannot expand "$AUDIT_ROOT/x": environment variable AUDIT_ROOT is not set']);
  });

  it.each([
    ['under systemd with StateDirectory= (the system unit)', { STATE_DIRECTORY: '/var/lib/driftd:/var/lib/other', HOME }, '/var/lib/driftd/audit'],
    ['the user unit: $XDG_STATE_HOME unset, ~/.local/state/driftd (its ReadWritePaths=)', { HOME }, `${HOME}/.local/state/driftd/audit`],
    ['$XDG_STATE_HOME set', { HOME, XDG_STATE_HOME: '/state' }, '/state/driftd/audit'],
    ['neither HOME nor XDG_STATE_HOME: beside the config file', {}, '/etc/driftd/audit'],
  ] as const)('unset, defaults to a directory the units make writable: %s', (_name, env, expected) => {
    expect(dirOf(parse(undefined, env))).toBe(expected);
  });
});

describe('audit.maxBytes', () => {
  it('is bounded so that a rotated file is always read whole', () => {
    expect(MAX_ROTATE_BYTES * 2).toBeLessThanOrEqual(AUDIT_LIMITS.readBytes);
    expect(parse({ maxBytes: MAX_ROTATE_BYTES }, {}).ok).toBe(true);
    expect(dirOf(parse({ maxBytes: MAX_ROTATE_BYTES + 1 }, {}))).toEqual([
      `audit.maxBytes: at most ${MAX_ROTATE_BYTES} (32 MiB): a reader reads at most the last ${AUDIT_LIMITS.readBytes} bytes of a journal file, and a file rotated here must fit whole`,
    ]);
  });
});
