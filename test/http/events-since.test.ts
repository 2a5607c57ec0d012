// GET /events?since= beyond what a Date can hold is a 400 like any other bad since (issue 14 item
// 7), over real HTTP on 127.0.0.1 with a real journal; and `driftd history --since` agrees.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditJournal } from '../../src/audit/audit-journal.js';
import { parseSince } from '../../src/audit/parse-since.js';
import { createHttpServer, registerRoutes } from '../../src/http/http-server.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-db.js';

const OUT_OF_RANGE = ['99999999999d', '9999999999999999999999s', '275761-01-01T00:00:00Z', '+275760-09-13T00:00:01Z'];

describe('since beyond the range of a Date', () => {
  const journal = new AuditJournal({ dir: join(tempDir('driftd-events-since-'), 'audit'), maxBytes: 1 << 20, keep: 1 });
  const sink = journal.sink({ target: 'app', database: '/db', cycle: null, source: 'cli' });
  sink.settle(sink.intend({ kind: 'backup', path: '/b/1.bak' }), { status: 'applied' });
  const app = createHttpServer('error');
  registerRoutes(app, {
    metricsText: async () => '',
    metricsContentType: 'text/plain',
    health: () => ({ status: 'pass' }) as never,
    status: () => ({}) as never,
    auditEntries: (filter) => journal.readEntries(filter),
    journalPath: journal.path,
    fleetFiles: () => null,
    checkNow: async () => null,
    token: () => null,
  });
  const listening = app.listen({ host: '127.0.0.1', port: 0 });
  afterAll(() => app.close());

  it('parseSince answers null for an instant no Date can hold, and keeps the edges it can', () => {
    const now = new Date('2026-12-01T00:00:00Z');
    for (const text of OUT_OF_RANGE.filter((text) => !text.startsWith('+'))) expect(parseSince(text, now), text).toBeNull();
    expect(parseSince('100000000d', now)?.getTime()).toBe(now.getTime() - 100_000_000 * 86_400_000);
    expect(parseSince('2026-11-29T13:00:00Z', now)?.toISOString()).toBe('2026-11-29T13:00:00.000Z');
  });

  it.each(OUT_OF_RANGE)('GET /events?since=%s is 400 naming the forms; a good since still answers 200', async (since) => {
    const address = await listening;
    const bad = await fetch(`${address}/events?since=${encodeURIComponent(since)}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'USAGE', message: expect.stringContaining(`got "${since}"`) });
    const good = await fetch(`${address}/events?since=1d`);
    expect(good.status).toBe(200);
    expect(((await good.json()) as { entries: unknown[] }).entries).toHaveLength(1);
  });

  it('driftd history --since 99999999999d is a usage error (exit 2)', () => {
    const history = runCli(['history', '--since', '99999999999d']);
    expect(history.status).toBe(2);
    expect(history.stderr).toContain('--since takes an ISO 8601 time');
  });
});
