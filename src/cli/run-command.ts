import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatProblems, validateConfigFile } from '../config/validate-config.js';
import { AuditJournal } from '../audit/audit-journal.js';
import { databaseProbe, resolvePending } from '../audit/resolve-pending.js';
import { Daemon } from '../daemon/daemon.js';
import type { ReconcileStep } from '../daemon/target-runner.js';
import { createHttpServer, LOG_LEVELS, registerRoutes, type LogLevel } from '../http/http-server.js';
import { DaemonMetrics } from '../metrics/daemon-metrics.js';
import { createNotifier } from '../systemd/sd-notify.js';
import { DriftdError } from '../errors/driftd-error.js';
import { EXIT, usageError, type CliIo, type ExitCode } from './cli-io.js';
import { packageVersion } from './package-version.js';

/** SIGTERM must end the process within systemd's stop timeout; past this, exit anyway and say so. */
const SHUTDOWN_LIMIT_MS = 9_000;

export interface RunCommandDeps {
  /** The reconcile step the daemon runs after the schema step. */
  readonly reconcile?: ReconcileStep;
  /** Where signals come from (the process in production). */
  readonly signals?: Pick<NodeJS.Process, 'on' | 'off'>;
}

export const OPTIONS = { config: { type: 'string' }, 'log-level': { type: 'string', default: 'info' }, once: { type: 'boolean', default: false } } as const;

/**
 * `driftd run --config FILE [--log-level LEVEL] [--once]`: the composition
 * root of the service. Validates the config (exit 2 with every problem when
 * invalid), opens the HTTP listener, starts the daemon, tells systemd it is
 * ready, and runs until SIGTERM/SIGINT (exit 0). SIGHUP reloads the config.
 * `--once` runs one cycle without a listener and exits: 0 when every target
 * checked fine and is in sync, 1 otherwise.
 */
export function runCommand(deps: RunCommandDeps = {}) {
  return async (argv: readonly string[], io: CliIo): Promise<ExitCode> => {
    let values;
    try {
      values = parseArgs({
        args: [...argv],
        options: OPTIONS,
        strict: true,
        allowPositionals: false,
      }).values;
    } catch (error) {
      throw usageError(`driftd run: ${(error as Error).message}`);
    }
    if (values.config === undefined) throw usageError('driftd run: name the config: --config FILE');
    const level = values['log-level'] as LogLevel;
    if (!LOG_LEVELS.includes(level)) throw usageError(`driftd run: --log-level takes one of ${LOG_LEVELS.join(', ')}, got "${values['log-level']}"`);
    const configPath = resolve(values.config);
    const loaded = validateConfigFile(configPath, io.env);
    if (!loaded.ok) {
      io.stderr(`driftd run: config "${configPath}" has ${loaded.problems.length} problem${loaded.problems.length === 1 ? '' : 's'}; not starting:\n`);
      for (const line of formatProblems(loaded.problems)) io.stderr(`  ${line}\n`);
      return EXIT.error;
    }
    const config = loaded.validated.config;
    const app = createHttpServer(level, { maxConnections: config.http.maxConnections, keepAliveTimeoutMs: config.http.keepAliveTimeoutMs });
    const metrics = new DaemonMetrics({ version: packageVersion(), nodeVersion: process.version });
    // The audit trail: first answer the intents a killed driftd left without an outcome, from the databases themselves.
    const journal = new AuditJournal(config.audit);
    const resolved = resolvePending(journal, databaseProbe(config.targets.flatMap((target) => (target.fleet ? [target.fleet.root] : []))));
    for (const item of resolved.resolved) app.log.warn({ id: item.id, database: item.database, outcome: item.outcome.status }, 'audit: resolved a change interrupted by a stop');
    for (const item of resolved.left) app.log.warn({ id: item.id, database: item.database, reason: item.reason }, 'audit: a change interrupted by a stop is still unresolved');
    const daemon = new Daemon({ configPath, initial: loaded.validated, env: io.env, logger: app.log, metrics, audit: journal, ...(deps.reconcile ? { reconcile: deps.reconcile } : {}) });

    if (values.once) {
      const report = await daemon.runCycle('manual');
      await daemon.stop();
      const fleetsFine = report.fleets.every((fleet) => fleet.error === null && fleet.totals.drifted === 0 && fleet.totals.error === 0 && fleet.totals.repair_failing === 0 && fleet.totals.held === 0);
      return fleetsFine && report.targets.every((target) => target.ok && target.check?.inSync === true) ? EXIT.ok : EXIT.found;
    }

    registerRoutes(app, {
      metricsText: () => metrics.text(),
      metricsContentType: metrics.contentType,
      health: () => daemon.health(),
      status: () => daemon.status(),
      auditEntries: (filter) => journal.readEntries(filter),
      get journalPath() {
        return journal.path;
      },
      fleetFiles: (query) => daemon.fleetFiles(query),
      checkNow: () => daemon.runCycle('http'),
      token: () => daemon.config.http.token,
    });
    let address: string;
    try {
      address = await app.listen({ host: config.http.host, port: config.http.port });
    } catch (error) {
      throw new DriftdError('HTTP_LISTEN_FAILED', `cannot listen on ${config.http.host}:${config.http.port}: ${(error as Error).message}`, {
        cause: error,
        where: { file: configPath },
        hint: 'another process holds the port (another driftd?); change http.port, or 0 for any free port',
      });
    }
    app.log.info({ address, config: configPath }, 'listening');

    const notifier = createNotifier(io.env, (error) => app.log.warn({ error: error.message }, 'sd_notify failed'));
    if (notifier.disabledReason) app.log.debug({ reason: notifier.disabledReason }, 'systemd notification off');
    daemon.start();
    void daemon.runCycle('start');
    // Ready means: config loaded and the listener bound. A database that is down is /readyz's business, not a failed start.
    notifier.notify(`READY=1\nSTATUS=watching ${config.targets.length} target(s)\nMAINPID=${process.pid}`);
    notifier.startWatchdog();

    const signals = deps.signals ?? process;
    return new Promise<ExitCode>((done) => {
      let stopping = false;
      const onHangup = (): void => {
        app.log.info({ signal: 'SIGHUP' }, 'reloading config');
        void daemon.reload('sighup');
      };
      const onStop = (signal: string) => (): void => {
        if (stopping) return;
        stopping = true;
        app.log.info({ signal }, 'shutting down');
        notifier.notify('STOPPING=1');
        const limit = setTimeout(() => {
          app.log.error({ limitMs: SHUTDOWN_LIMIT_MS }, 'shutdown took too long; exiting');
          process.exit(EXIT.error);
        }, SHUTDOWN_LIMIT_MS);
        limit.unref();
        void (async () => {
          await daemon.stop();
          await app.close();
          notifier.close();
          signals.off('SIGHUP', onHangup);
          signals.off('SIGTERM', onTerm);
          signals.off('SIGINT', onInt);
          clearTimeout(limit);
          done(EXIT.ok);
        })();
      };
      const onTerm = onStop('SIGTERM');
      const onInt = onStop('SIGINT');
      signals.on('SIGHUP', onHangup);
      signals.on('SIGTERM', onTerm);
      signals.on('SIGINT', onInt);
    });
  };
}
