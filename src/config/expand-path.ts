import { isAbsolute } from 'node:path';

/**
 * The XDG base directories' defaults when the variable is unset or empty
 * (https://specifications.freedesktop.org/basedir-spec/latest/), relative to $HOME.
 * ModelForge keeps its data in platformdirs' user_data_dir: $XDG_DATA_HOME/ModelForge.
 */
const XDG_DEFAULTS: Readonly<Record<string, string>> = {
  XDG_DATA_HOME: '.local/share',
  XDG_STATE_HOME: '.local/state',
  XDG_CONFIG_HOME: '.config',
  XDG_CACHE_HOME: '.cache',
};

/** Variables that name a directory: their value must be an absolute path (the basedir spec ignores relative ones). */
const DIRECTORY_VARIABLES = new Set(['HOME', 'XDG_RUNTIME_DIR', ...Object.keys(XDG_DEFAULTS)]);

export type ExpandedPath = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly message: string };

/**
 * Expands a config path: a leading `~` or `~/` is $HOME; `$NAME` and `${NAME}` are environment
 * variables (an unset or empty XDG base directory falls back to its default under $HOME); `$$` is a
 * literal `$`. Anything else is an error naming the variable: an unset variable, a relative $HOME or
 * XDG directory, `~user`, a `$` that starts no name. Pure: the environment is passed in.
 */
export function expandPath(text: string, env: Readonly<Record<string, string | undefined>>, options: { readonly quote?: (value: string) => string } = {}): ExpandedPath {
  // A fleet glob quotes what a variable (or ~) brings in: its value is a path, never pattern syntax.
  const quote = options.quote ?? ((value: string) => value);
  let rest = text;
  let out = '';
  if (rest === '~' || rest.startsWith('~/')) {
    const home = variable('HOME', env);
    if (!home.ok) return fail(text, `"~" is $HOME: ${home.message}`);
    out = quote(home.path);
    rest = rest.slice(1);
  } else if (rest.startsWith('~')) {
    return fail(text, `"~${/^~([^/]*)/.exec(rest)![1]}" (another user's home) is not supported; write the path, or ~ or $HOME for your own`);
  }
  for (let i = 0; i < rest.length; i++) {
    const char = rest[i]!;
    if (char !== '$') {
      out += char;
      continue;
    }
    if (rest[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    const braced = rest[i + 1] === '{';
    const match = (braced ? /^\{([A-Za-z_][A-Za-z0-9_]*)\}/ : /^([A-Za-z_][A-Za-z0-9_]*)/).exec(rest.slice(i + 1));
    if (!match) {
      return fail(text, `"$" at offset ${i + (text.length - rest.length)} starts no variable name: write $NAME or \${NAME}, or $$ for a literal "$"`);
    }
    const value = variable(match[1]!, env);
    if (!value.ok) return fail(text, value.message);
    out += quote(value.path);
    i += match[0].length;
  }
  return { ok: true, path: out };
}

function variable(name: string, env: Readonly<Record<string, string | undefined>>): ExpandedPath {
  const value = env[name];
  if (value === undefined || value === '') {
    const fallback = XDG_DEFAULTS[name];
    if (fallback === undefined) return { ok: false, message: `environment variable ${name} is ${value === undefined ? 'not set' : 'empty'}` };
    const home = variable('HOME', env);
    if (!home.ok) return { ok: false, message: `environment variable ${name} is not set and its default, $HOME/${fallback}, cannot be formed: ${home.message}` };
    return { ok: true, path: `${home.path.replace(/\/+$/, '')}/${fallback}` };
  }
  if (DIRECTORY_VARIABLES.has(name) && !isAbsolute(value)) return { ok: false, message: `environment variable ${name} is "${value}", not an absolute path` };
  return { ok: true, path: value };
}

function fail(text: string, message: string): ExpandedPath {
  return { ok: false, message: `cannot expand "${text}": ${message}` };
}
