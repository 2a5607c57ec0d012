import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import type { HealthReport } from '../health/assess-health.js';
import { parseStatusQuery, type FleetFilesQuery } from './status-query.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

/** What the routes need from the daemon: the narrow surface, so http/ never imports daemon/. */
export interface HttpApi {
  metricsText(): Promise<string>;
  readonly metricsContentType: string;
  health(): HealthReport;
  status(): unknown;
  /** One fleet target's files, filtered and paged; null when no fleet target has that name. */
  fleetFiles(query: FleetFilesQuery): unknown;
  /** Runs a cycle now (after the running one, if any) and returns its report. */
  checkNow(): Promise<unknown>;
  /** The configured token, read per request so a reload can change it; null disables POST /check. */
  token(): string | null;
}

const HEALTH_JSON = 'application/health+json';

/**
 * The fastify instance whose pino logger is the daemon's only logger: JSON
 * lines on stdout at `logLevel`. Request logging is off — a scrape every few
 * seconds would drown the lines that matter (drift, repairs, recoveries, reloads).
 */
export function createHttpServer(logLevel: LogLevel): FastifyInstance {
  return Fastify({ logger: { level: logLevel }, logController: new LogController({ disableRequestLogging: true }) });
}

/** GET /metrics /livez /readyz /healthz /status, POST /check. */
export function registerRoutes(app: FastifyInstance, api: HttpApi): void {
  app.get('/metrics', async (_request, reply) => {
    const text = await api.metricsText();
    return reply.type(api.metricsContentType).send(text);
  });
  app.get('/livez', async (_request, reply) => reply.type(HEALTH_JSON).send({ status: 'pass', description: 'driftd answers' }));
  const ready = async (_request: unknown, reply: FastifyReply) => {
    const health = api.health();
    return reply
      .code(health.status === 'fail' ? 503 : 200)
      .type(HEALTH_JSON)
      .send(health);
  };
  app.get('/readyz', ready);
  app.get('/healthz', ready);
  app.get('/status', async (request, reply) => {
    const parsed = parseStatusQuery(request.query as Record<string, unknown>);
    if (!parsed.ok) return reply.code(400).send({ error: parsed.message });
    if (parsed.query === null) return api.status();
    const files = api.fleetFiles(parsed.query);
    if (files === null) return reply.code(404).send({ error: `no fleet target "${parsed.query.target}"` });
    return files;
  });
  app.post('/check', async (request, reply) => {
    const token = api.token();
    if (token === null) {
      return reply.code(403).send({ error: 'POST /check is disabled: no http.token is configured' });
    }
    if (!bearerMatches(request.headers.authorization, token)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="driftd"').send({ error: 'missing or wrong bearer token' });
    }
    return reply.send(await api.checkNow());
  });
}

/**
 * Compares `Authorization: Bearer <token>` in constant time. Both sides are
 * hashed first so the compared buffers always have equal length
 * (timingSafeEqual throws otherwise) and the length of the secret does not leak.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const given = createHash('sha256').update(match?.[1] ?? '').digest();
  const expected = createHash('sha256').update(token).digest();
  return timingSafeEqual(given, expected) && match !== null;
}
