import { createHash } from 'node:crypto';
import type { Config } from '../config/parse-config.js';
import { formatProblems, validateConfigFile, type ValidatedConfig } from '../config/validate-config.js';
import { FILE_LIMITS, fileIdentity, readRegularFile, sameIdentity, type FileIdentity } from '../fs/read-regular-file.js';
import type { DaemonMetrics } from '../metrics/daemon-metrics.js';
import type { DaemonLogger } from './daemon-logger.js';

export type ReloadReason = 'sighup' | 'watch' | 'schema' | 'http';

export interface ReloadOutcome {
  readonly ok: boolean;
  /** The config differed from the running one and was switched to. */
  readonly changed: boolean;
  readonly problems: readonly string[];
}

export interface LastReload {
  readonly ok: boolean;
  readonly atMs: number;
  readonly problems: readonly string[];
}

export interface ConfigReloaderDeps {
  readonly configPath: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: DaemonLogger;
  readonly metrics: DaemonMetrics;
  readonly now: () => Date;
  /** Called synchronously when a changed config becomes active, before the reload is logged. */
  readonly onSwitch: (before: Config, next: ValidatedConfig) => void;
}

/**
 * Reload: holds the active config (with every target's declaration) and switches
 * to a re-read one only when the whole of it validates; an invalid one leaves the
 * last good config active, is logged with every problem, and flips
 * `driftd_config_last_reload_successful` to 0. Synchronous, so the caller decides
 * when a switch may happen (the daemon: only between cycles).
 */
export class ConfigReloader {
  private active: ValidatedConfig;
  private last: LastReload;
  /** The last failed reload (file hash and problems), so the same broken file is not re-reported on every tick. */
  private lastAttempt: string | null = null;
  /** Each schema file's identity when last hashed, and that hash: an unchanged identity is not re-read. */
  private schemaFiles = new Map<string, SchemaFileEntry>();

  constructor(
    private readonly deps: ConfigReloaderDeps,
    initial: ValidatedConfig,
  ) {
    this.active = initial;
    this.last = { ok: true, atMs: deps.now().getTime(), problems: [] };
    deps.metrics.configLoaded(true, this.last.atMs / 1000);
  }

  get current(): ValidatedConfig {
    return this.active;
  }

  get lastReload(): LastReload {
    return this.last;
  }

  /**
   * Validates the config file and every schema file, and switches to them when
   * valid and different. `force` re-reports an unchanged broken file (SIGHUP does).
   */
  load(reason: ReloadReason, force: boolean): ReloadOutcome {
    const { configPath, env, logger, metrics } = this.deps;
    const result = validateConfigFile(configPath, env);
    const nowMs = this.deps.now().getTime();
    if (!result.ok) {
      const problems = formatProblems(result.problems);
      const attempt = `${result.configHash}\u0000${problems.join('\n')}`;
      // The same broken file seen again (every tick, every write of a half-saved file) is reported once.
      if (!force && attempt === this.lastAttempt && !this.last.ok) return { ok: false, changed: false, problems };
      this.lastAttempt = attempt;
      this.last = { ok: false, atMs: nowMs, problems };
      metrics.configLoaded(false, nowMs / 1000);
      logger.error({ reason, config: configPath, problems }, 'config reload failed; keeping the last good config');
      return { ok: false, changed: false, problems };
    }
    const next = result.validated;
    this.lastAttempt = null;
    const changed = next.configHash !== this.active.configHash || schemaHashes(next) !== schemaHashes(this.active);
    const before = this.active.config;
    this.last = { ok: true, atMs: nowMs, problems: [] };
    metrics.configLoaded(true, nowMs / 1000);
    if (changed) {
      this.active = next;
      this.deps.onSwitch(before, next);
    }
    logger.info({ reason, config: configPath, changed, targets: next.config.targets.map((target) => target.name) }, 'config reloaded');
    return { ok: true, changed, problems: [] };
  }

  /**
   * A schema file of the active config whose content no longer matches what was loaded. Called
   * every cycle, so it costs one stat per file: the content is re-read and re-hashed only when the
   * file's identity (device, inode, size, mtime, ctime) changed since it was last hashed — a 50 MB
   * schema is not re-read every second.
   */
  schemaFilesChanged(): boolean {
    const known = this.schemaFiles;
    this.schemaFiles = new Map();
    let changed = false;
    for (const target of this.active.config.targets) {
      const declared = this.active.declared.get(target.name);
      if (!declared) continue;
      let entry = this.schemaFiles.get(target.schema) ?? known.get(target.schema);
      if (!entry || !entry.trusted || !sameIdentity(entry.identity, fileIdentity(target.schema))) entry = hashSchemaFile(target.schema, this.deps.now().getTime());
      if (entry) this.schemaFiles.set(target.schema, entry);
      if (entry?.hash !== declared.contentHash) changed = true;
    }
    return changed;
  }
}

function schemaHashes(validated: ValidatedConfig): string {
  return [...validated.declared.entries()].map(([name, declared]) => `${name}=${declared.contentHash}`).join(',');
}

/**
 * File times tick with the kernel's coarse clock (a few ms), so two writes inside one tick can leave
 * size, mtime and ctime alike ("racy" files, as git calls them). An identity is trusted only when the
 * file had been left alone this long before it was hashed; until then it is re-hashed every time.
 */
const RACY_WINDOW_MS = 2_000;

interface SchemaFileEntry {
  readonly identity: FileIdentity;
  readonly hash: string;
  readonly trusted: boolean;
}

/** The hash of a schema file's bytes with the identity of the descriptor they were read from; undefined when it cannot be read. */
function hashSchemaFile(path: string, nowMs: number): SchemaFileEntry | undefined {
  const read = readRegularFile(path, { maxBytes: FILE_LIMITS.schema });
  if (read.kind !== 'bytes') return undefined;
  return {
    identity: read.identity,
    // Hashed as loadDeclaredSchema hashes it (the UTF-8 text), so an unchanged file always compares equal.
    hash: createHash('sha256').update(read.bytes.toString('utf8')).digest('hex'),
    trusted: nowMs - Math.max(read.identity.mtimeMs, read.identity.ctimeMs) > RACY_WINDOW_MS,
  };
}
