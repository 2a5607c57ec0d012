import { describe, expect, it } from 'vitest';
import { expandPath } from '../../src/config/expand-path.js';
import { parseConfig } from '../../src/config/parse-config.js';

const HOME = '/home/ada';

describe('expandPath', () => {
  it.each([
    ['a path without variables is left as it is', 'data/app.sqlite', {}, 'data/app.sqlite'],
    ['~ alone', '~', { HOME }, HOME],
    ['~/ is $HOME', '~/.local/share/ModelForge', { HOME }, `${HOME}/.local/share/ModelForge`],
    ['$HOME', '$HOME/x', { HOME }, `${HOME}/x`],
    ['${NAME} braces', '${HOME}suffix/x', { HOME }, `${HOME}suffix/x`],
    ['$XDG_DATA_HOME when set', '$XDG_DATA_HOME/ModelForge', { HOME, XDG_DATA_HOME: '/data' }, '/data/ModelForge'],
    ['$XDG_DATA_HOME unset: its default under $HOME', '$XDG_DATA_HOME/ModelForge', { HOME }, `${HOME}/.local/share/ModelForge`],
    ['$XDG_DATA_HOME empty: its default', '$XDG_DATA_HOME/ModelForge', { HOME, XDG_DATA_HOME: '' }, `${HOME}/.local/share/ModelForge`],
    ['$XDG_STATE_HOME default', '$XDG_STATE_HOME/driftd', { HOME: '/home/ada/' }, `${HOME}/.local/state/driftd`],
    ['$XDG_CONFIG_HOME default', '${XDG_CONFIG_HOME}/driftd', { HOME }, `${HOME}/.config/driftd`],
    ['any other variable', '$STATE_DIRECTORY/backups', { STATE_DIRECTORY: '/var/lib/driftd' }, '/var/lib/driftd/backups'],
    ['$$ is a literal $', 'odd$$name/x', {}, 'odd$name/x'],
    ['a ~ inside a path is literal', 'a/~b/c~', {}, 'a/~b/c~'],
    ['a name ends at the first non-name character', '$HOME.d/$HOME-x', { HOME }, `${HOME}.d/${HOME}-x`],
  ] as const)('%s', (_name, text, env, expected) => {
    expect(expandPath(text, env)).toEqual({ ok: true, path: expected });
  });

  it.each([
    ['an unset variable, named', '$MODELS/x', { HOME }, 'cannot expand "$MODELS/x": environment variable MODELS is not set'],
    ['an empty variable', '${MODELS}/x', { MODELS: '' }, 'cannot expand "${MODELS}/x": environment variable MODELS is empty'],
    ['~ without HOME', '~/x', {}, 'cannot expand "~/x": "~" is $HOME: environment variable HOME is not set'],
    ['an XDG default without HOME', '$XDG_DATA_HOME/ModelForge', {}, 'cannot expand "$XDG_DATA_HOME/ModelForge": environment variable XDG_DATA_HOME is not set and its default, $HOME/.local/share, cannot be formed: environment variable HOME is not set'],
    ['a relative XDG directory', '$XDG_DATA_HOME/x', { XDG_DATA_HOME: 'share' }, 'cannot expand "$XDG_DATA_HOME/x": environment variable XDG_DATA_HOME is "share", not an absolute path'],
    ['a relative HOME', '~/x', { HOME: 'ada' }, 'cannot expand "~/x": "~" is $HOME: environment variable HOME is "ada", not an absolute path'],
    ['another user\'s home', '~bob/x', { HOME }, 'cannot expand "~bob/x": "~bob" (another user\'s home) is not supported; write the path, or ~ or $HOME for your own'],
    ['a lone $', 'a/$/b', {}, 'cannot expand "a/$/b": "$" at offset 2 starts no variable name: write $NAME or ${NAME}, or $$ for a literal "$"'],
    ['an unclosed brace', '${HOME/x', { HOME }, 'cannot expand "${HOME/x": "$" at offset 0 starts no variable name: write $NAME or ${NAME}, or $$ for a literal "$"'],
  ] as const)('%s is an error naming it', (_name, text, env, message) => {
    expect(expandPath(text, env)).toEqual({ ok: false, message });
  });
});

describe('config paths are expanded', () => {
  const rule = { table: 'models', root: '$XDG_DATA_HOME/ModelForge/models', markers: ['a.json'], keyColumn: 'path', relativeTo: '~', columns: { path: { from: 'path' } } };
  const text = JSON.stringify({
    backup: { enabled: true, dir: '$XDG_STATE_HOME/driftd/backups' },
    targets: [{ name: 'mf', database: '$XDG_DATA_HOME/ModelForge/database/modelforge.sqlite', schema: '~/modelforge.sql', reconcile: [rule] }],
  });

  it('in every path field: database, schema, reconcile root and relativeTo, backup.dir', () => {
    const result = parseConfig(text, { baseDir: '/etc/driftd', env: { HOME }, source: 'c.json' });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const target = result.config.targets[0]!;
    expect({ database: target.database, schema: target.schema, root: target.reconcile[0]!.root, relativeTo: target.reconcile[0]!.relativeTo, backup: result.config.backup.dir }).toEqual({
      database: `${HOME}/.local/share/ModelForge/database/modelforge.sqlite`,
      schema: `${HOME}/modelforge.sql`,
      root: `${HOME}/.local/share/ModelForge/models`,
      relativeTo: HOME,
      backup: `${HOME}/.local/state/driftd/backups`,
    });
  });

  it('a path that cannot be expanded is a problem at its config path, with every other problem', () => {
    const result = parseConfig(text.replace('~/modelforge.sql', '$SCHEMAS/modelforge.sql'), { baseDir: '/etc/driftd', env: {}, source: 'c.json' });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map((problem) => `${problem.path}: ${problem.message}`)).toEqual([
      'backup.dir: cannot expand "$XDG_STATE_HOME/driftd/backups": environment variable XDG_STATE_HOME is not set and its default, $HOME/.local/state, cannot be formed: environment variable HOME is not set',
      'targets[0].database: cannot expand "$XDG_DATA_HOME/ModelForge/database/modelforge.sqlite": environment variable XDG_DATA_HOME is not set and its default, $HOME/.local/share, cannot be formed: environment variable HOME is not set',
      'targets[0].schema: cannot expand "$SCHEMAS/modelforge.sql": environment variable SCHEMAS is not set',
      'targets[0].reconcile[0].root: cannot expand "$XDG_DATA_HOME/ModelForge/models": environment variable XDG_DATA_HOME is not set and its default, $HOME/.local/share, cannot be formed: environment variable HOME is not set',
      'targets[0].reconcile[0].relativeTo: cannot expand "~": "~" is $HOME: environment variable HOME is not set',
    ]);
  });
});
