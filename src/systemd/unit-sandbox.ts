import { posix } from 'node:path';


/**
 * What a systemd unit file says about the file system its service sees — the part of
 * systemd.exec(5) driftd's shipped units use: ProtectSystem=, ProtectHome=, ReadWritePaths=,
 * ReadOnlyPaths=, InaccessiblePaths=, StateDirectory=, PrivateTmp= — plus the commands it runs and
 * the environment it sets. `driftd validate --unit FILE` checks a config's write paths against
 * it; the deployment tests build the same view in a private mount namespace. Pure: text in, data out.
 */
export interface UnitSandbox {
  readonly manager: 'system' | 'user';
  readonly protectSystem: 'no' | 'yes' | 'full' | 'strict';
  readonly protectHome: 'no' | 'yes' | 'read-only' | 'tmpfs';
  readonly privateTmp: boolean;
  /** Absolute paths, specifiers expanded, `-`/`+` prefixes dropped. */
  readonly readWritePaths: readonly string[];
  readonly readOnlyPaths: readonly string[];
  readonly inaccessiblePaths: readonly string[];
  /** StateDirectory= as absolute paths (/var/lib/NAME, or $XDG_STATE_HOME/NAME for a user manager). */
  readonly stateDirectories: readonly string[];
  /** Environment= and what StateDirectory= sets (STATE_DIRECTORY). */
  readonly environment: Readonly<Record<string, string>>;
  readonly execStartPre: readonly UnitCommand[];
  readonly execStart: readonly UnitCommand[];
}

export interface UnitCommand {
  /** `+`: runs with full privileges, outside the sandbox. */
  readonly privileged: boolean;
  /** `-`: a failure is ignored. */
  readonly ignoreFailure: boolean;
  readonly argv: readonly string[];
}

export type UnitSandboxResult = { readonly ok: true; readonly sandbox: UnitSandbox } | { readonly ok: false; readonly message: string };

/** Where the paths of a user manager's specifiers point: the user's HOME and XDG variables. */
export interface UnitContext {
  readonly manager: 'system' | 'user';
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The API file systems ProtectSystem=strict leaves writable (systemd.exec(5)). */
const API_FILESYSTEMS = ['/dev', '/proc', '/sys'];
const HOME_DIRECTORIES = ['/home', '/root', '/run/user'];

/** Parses the [Service] section of a unit file. Specifiers: %h %E %S %C %L %t %% (systemd.unit(5), "Specifiers"). */
export function parseUnitSandbox(text: string, context: UnitContext): UnitSandboxResult {
  const values = new Map<string, string[]>();
  let section = '';
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    if (section !== 'Service') continue;
    const equals = line.indexOf('=');
    if (equals < 0) continue;
    const key = line.slice(0, equals).trim();
    const value = line.slice(equals + 1).trim();
    // An empty assignment resets a list (systemd.exec(5)).
    values.set(key, value === '' ? [] : [...(values.get(key) ?? []), value]);
  }
  const specifiers = specifierTable(context);
  let failure: string | null = null;
  const expand = (value: string): string =>
    value.replace(/%(.)/g, (match, letter: string) => {
      const replacement = specifiers[letter];
      if (replacement === undefined) {
        failure ??= `specifier ${match} in "${value}" is not one driftd resolves (it knows ${Object.keys(specifiers).map((key) => `%${key}`).join(' ')})`;
        return match;
      }
      return replacement;
    });
  const last = (key: string): string | undefined => values.get(key)?.at(-1);
  const paths = (key: string): string[] =>
    (values.get(key) ?? []).flatMap((value) => value.split(/\s+/)).map((entry) => expand(entry.replace(/^[-+]+/, ''))).map((path) => posix.normalize(path));
  const protectSystem = parseChoice<UnitSandbox['protectSystem']>(last('ProtectSystem'), { no: 'no', false: 'no', yes: 'yes', true: 'yes', full: 'full', strict: 'strict' }, 'no');
  const protectHome = parseChoice<UnitSandbox['protectHome']>(last('ProtectHome'), { no: 'no', false: 'no', yes: 'yes', true: 'yes', 'read-only': 'read-only', tmpfs: 'tmpfs' }, 'no');
  if (protectSystem === null) return { ok: false, message: `ProtectSystem=${last('ProtectSystem')} is not yes, no, full or strict` };
  if (protectHome === null) return { ok: false, message: `ProtectHome=${last('ProtectHome')} is not yes, no, read-only or tmpfs` };
  const stateRoot = context.manager === 'system' ? '/var/lib' : specifiers.S!;
  const stateDirectories = (values.get('StateDirectory') ?? []).flatMap((value) => value.split(/\s+/)).map((name) => posix.join(stateRoot, expand(name.split(':')[0]!)));
  const environment: Record<string, string> = {};
  for (const assignment of values.get('Environment') ?? []) {
    for (const match of assignment.matchAll(/"([^"=]+)=([^"]*)"|(\S+?)=(\S*)/g)) environment[match[1] ?? match[3]!] = expand(match[2] ?? match[4]!);
  }
  if (stateDirectories.length > 0) environment.STATE_DIRECTORY = stateDirectories.join(':');
  const commands = (key: string): UnitCommand[] =>
    (values.get(key) ?? []).map((value) => {
      const prefix = /^[-+!@:]*/.exec(value)![0];
      return { privileged: prefix.includes('+'), ignoreFailure: prefix.includes('-'), argv: value.slice(prefix.length).trim().split(/\s+/).map(expand) };
    });
  const sandbox: UnitSandbox = {
    manager: context.manager,
    protectSystem,
    protectHome,
    privateTmp: parseChoice(last('PrivateTmp'), { yes: true, true: true, no: false, false: false }, false) ?? false,
    readWritePaths: paths('ReadWritePaths'),
    readOnlyPaths: paths('ReadOnlyPaths'),
    inaccessiblePaths: paths('InaccessiblePaths'),
    stateDirectories,
    environment,
    execStartPre: commands('ExecStartPre'),
    execStart: commands('ExecStart'),
  };
  if (failure !== null) return { ok: false, message: failure };
  return { ok: true, sandbox };
}

/** Why `path` (absolute) is not writable for the unit's service, or null when it is. The most specific rule wins. */
export function sandboxRefusal(sandbox: UnitSandbox, path: string): string | null {
  const rules: Array<{ prefix: string; writable: boolean; why: string }> = [];
  if (sandbox.protectSystem === 'strict') {
    rules.push({ prefix: '/', writable: false, why: 'ProtectSystem=strict makes the whole file system read-only' });
    for (const api of API_FILESYSTEMS) rules.push({ prefix: api, writable: true, why: '' });
  } else if (sandbox.protectSystem !== 'no') {
    for (const prefix of ['/usr', '/boot', '/efi', ...(sandbox.protectSystem === 'full' ? ['/etc'] : [])]) rules.push({ prefix, writable: false, why: `ProtectSystem=${sandbox.protectSystem} makes ${prefix} read-only` });
  }
  if (sandbox.protectHome !== 'no') {
    const how = sandbox.protectHome === 'yes' ? 'empty and inaccessible' : sandbox.protectHome === 'tmpfs' ? 'an empty read-only tmpfs' : 'read-only';
    for (const prefix of HOME_DIRECTORIES) rules.push({ prefix, writable: false, why: `ProtectHome=${sandbox.protectHome} makes ${prefix} ${how}` });
  }
  if (sandbox.privateTmp) for (const prefix of ['/tmp', '/var/tmp']) rules.push({ prefix, writable: true, why: '' });
  for (const prefix of sandbox.stateDirectories) rules.push({ prefix, writable: true, why: '' });
  for (const prefix of sandbox.readWritePaths) rules.push({ prefix, writable: true, why: '' });
  for (const prefix of sandbox.readOnlyPaths) rules.push({ prefix, writable: false, why: `ReadOnlyPaths=${prefix}` });
  for (const prefix of sandbox.inaccessiblePaths) rules.push({ prefix, writable: false, why: `InaccessiblePaths=${prefix}` });
  const target = posix.normalize(path);
  let best: (typeof rules)[number] | null = null;
  for (const rule of rules) {
    const holds = rule.prefix === '/' || target === rule.prefix || target.startsWith(`${rule.prefix}/`);
    // Longest prefix wins; on a tie the later (more restrictive, by the order above) wins.
    if (holds && (best === null || rule.prefix.length >= best.prefix.length)) best = rule;
  }
  if (best === null || best.writable) return null;
  return `${best.why}, and no ReadWritePaths=${sandbox.stateDirectories.length > 0 ? ' or StateDirectory=' : ''} of the unit grants "${target}"`;
}

function specifierTable(context: UnitContext): Record<string, string> {
  if (context.manager === 'system') return { '%': '%', E: '/etc', S: '/var/lib', C: '/var/cache', L: '/var/log', t: '/run', h: '/root' };
  const home = context.env.HOME ?? '';
  const xdg = (name: string, fallback: string): string => {
    const value = context.env[name];
    return value && posix.isAbsolute(value) ? value : posix.join(home, fallback);
  };
  return {
    '%': '%',
    h: home,
    E: xdg('XDG_CONFIG_HOME', '.config'),
    S: xdg('XDG_STATE_HOME', '.local/state'),
    C: xdg('XDG_CACHE_HOME', '.cache'),
    L: posix.join(xdg('XDG_STATE_HOME', '.local/state'), 'log'),
    ...(context.env.XDG_RUNTIME_DIR ? { t: context.env.XDG_RUNTIME_DIR } : {}),
  };
}

function parseChoice<T>(value: string | undefined, choices: Record<string, T>, fallback: T): T | null {
  if (value === undefined) return fallback;
  return Object.hasOwn(choices, value) ? choices[value]! : null;
}
