import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import type { AuditRead } from '../audit/audit-journal.js';
import type { AuditEntry, EntryFilter } from '../audit/audit-record.js';
import { parseSince, SINCE_FORMS } from '../audit/parse-since.js';
import type { HealthReport } from '../health/assess-health.js';
import { renderStatusPage, STATUS_PAGE_CSP, type StatusPageData } from './status-page.js';
import { parseStatusQuery, type FleetFilesQuery } from './status-query.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

/** What the routes need from the daemon: the narrow surface, so http/ never imports daemon/. */
export interface HttpApi {
  metricsText(): Promise<string>;
  readonly metricsContentType: string;
  health(): HealthReport;
  status(): StatusPageData;
  /**
   * The audit trail, oldest first, with the count of journal lines skipped as not valid records;
   * null when the daemon keeps none. Throws DriftdError when a journal file cannot be opened.
   */
  auditEntries(filter: EntryFilter): AuditRead | null;
  /** The audit journal's path, shown on the status page (read per request: a reload can move it). */
  readonly journalPath: string | null;
  /** One fleet target's files, filtered and paged; null when no fleet target has that name. */
  fleetFiles(query: FleetFilesQuery): unknown;
  /** Runs a cycle now (after the running one, if any) and returns its report. */
  checkNow(): Promise<unknown>;
  /** The configured token, read per request so a reload can change it; null disables POST /check. */
  token(): string | null;
}

const HEALTH_JSON = 'application/health+json';

/** Connection limits (config `http.maxConnections`, `http.keepAliveTimeoutMs`). */
export interface HttpLimits {
  /** At most this many connections stay open: a new one closes the longest-idle one, or is refused when none is idle. */
  readonly maxConnections: number;
  /** An idle keep-alive socket is closed after this long (node's default is 72 s through fastify). */
  readonly keepAliveTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = { maxConnections: 256, keepAliveTimeoutMs: 5000 };

/**
 * The fastify instance whose pino logger is the daemon's only logger: JSON
 * lines on stdout at `logLevel`. Request logging is off — a scrape every few
 * seconds would drown the lines that matter (drift, repairs, recoveries, reloads).
 * A request must arrive whole within 10 s (slowloris) and a socket may sit idle between
 * requests for `keepAliveTimeoutMs`; at most `maxConnections` are open at once (`admitConnections`).
 */
export function createHttpServer(logLevel: LogLevel, limits: HttpLimits = DEFAULT_HTTP_LIMITS): FastifyInstance {
  const app = Fastify({
    logger: { level: logLevel },
    logController: new LogController({ disableRequestLogging: true }),
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: 10_000,
  });
  admitConnections(app.server, limits.maxConnections);
  return app;
}

/**
 * The connection cap that protects the daemon without locking out its own health checks: at most
 * `maxConnections` sockets stay open, and a new one beyond the cap closes the socket that has been idle
 * longest — a keep-alive socket between requests, or one that has not finished sending a request (as nginx
 * reuses idle keep-alive connections when it runs out). Only when every open socket has a request in
 * flight is the new one refused. Partial requests are bounded by `requestTimeout` (10 s, headers included).
 * node's own `server.maxConnections` refuses the newest instead, so 2,000 idle sockets held by one local
 * client kept `/livez` from answering at all (issue 16).
 */
export function admitConnections(server: Server, maxConnections: number): void {
  /** Sockets with no request in flight, longest idle first (a Set keeps insertion order). */
  const idle = new Set<Socket>();
  const inFlight = new WeakMap<Socket, number>();
  /** Open sockets; one destroyed here leaves at once (its 'close' event comes a turn later). */
  const open = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    socket.once('close', () => {
      open.delete(socket);
      idle.delete(socket);
    });
    if (open.size >= maxConnections) {
      const victim = idle.values().next().value;
      if (victim === undefined) {
        // Every open socket is serving a request: refuse the newcomer.
        socket.destroy();
        return;
      }
      idle.delete(victim);
      open.delete(victim);
      victim.destroy();
    }
    open.add(socket);
    idle.add(socket);
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    idle.delete(socket);
    response.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      // Idle again, as the newest: re-inserted at the end.
      if (left === 0 && !socket.destroyed) idle.add(socket);
    });
  });
}

/** Entries the status page shows from the audit trail (the newest). */
const PAGE_EVENTS = 200;
/** GET /events page size: default and bound. */
const EVENTS_PAGE = 100;
const EVENTS_PAGE_MAX = 1000;

/** Headers of the HTML page: a strict CSP (its own inline style and script by hash), no sniffing, no framing, no caching. */
const PAGE_HEADERS = {
  'content-security-policy': STATUS_PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

/** GET / /metrics /livez /readyz /healthz /status /events, POST /check. */
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
  // The status page: read-only, renders what /status and the audit trail already hold; triggers nothing.
  app.get('/', async (_request, reply) => {
    let events: readonly AuditEntry[] = [];
    let skippedLines = 0;
    let trailError: string | null = null;
    try {
      const read = api.auditEntries({ limit: PAGE_EVENTS });
      events = read?.entries ?? [];
      skippedLines = read?.skipped ?? 0;
    } catch (error) {
      trailError = (error as Error).message;
    }
    const page = renderStatusPage(api.status(), events, { now: new Date().toISOString(), refresh: true, journal: api.journalPath, trailError, skippedLines });
    return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(page);
  });
  app.get('/events', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const page = eventsPage(query, new Date());
    if ('error' in page) return reply.code(400).send({ error: { code: 'USAGE', message: page.error } });
    let read: AuditRead | null;
    try {
      read = api.auditEntries(page.since ? { since: page.since } : {});
    } catch (error) {
      return reply.code(500).send({ error: { code: (error as { code?: string }).code ?? 'INTERNAL', message: (error as Error).message } });
    }
    const all = read?.entries ?? [];
    const start = page.cursor === null ? 0 : all.findIndex((entry) => `${entry.id}.${entry.item}` === page.cursor) + 1;
    if (page.cursor !== null && start === 0) return reply.code(400).send({ error: { code: 'USAGE', message: `cursor "${page.cursor}" is not an entry of this selection` } });
    const selected = all.slice(start, start + page.limit);
    const last = selected.at(-1);
    const more = start + selected.length < all.length && last !== undefined;
    const next = more ? `/events?${new URLSearchParams({ ...(query.since ? { since: query.since } : {}), limit: String(page.limit), cursor: `${last.id}.${last.item}` }).toString()}` : null;
    return reply.send({ journal: api.journalPath, entries: selected, next, skippedLines: read?.skipped ?? 0 });
  });
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

/** Parses GET /events' query: `since` (ISO 8601 or 30m/12h/7d back from now), `limit` (1–1000), `cursor` (from `next`). */
export function eventsPage(query: Record<string, string | undefined>, now: Date): { since: Date | null; limit: number; cursor: string | null } | { error: string } {
  let since: Date | null = null;
  if (query.since !== undefined) {
    since = parseSince(query.since, now);
    if (since === null) return { error: `since takes ${SINCE_FORMS}, got "${query.since}"` };
  }
  const limit = query.limit === undefined ? EVENTS_PAGE : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > EVENTS_PAGE_MAX) return { error: `limit takes 1 to ${EVENTS_PAGE_MAX}, got "${query.limit}"` };
  return { since, limit, cursor: query.cursor ?? null };
}
