import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/audit/audit-record.js';
import { escapeHtml, html } from '../../src/http/html.js';
import { renderStatusPage, STATUS_PAGE_CSP, type StatusPageData, type TargetView } from '../../src/http/status-page.js';

const HOSTILE = '<img src=x onerror=alert(1)>';
const QUOTES = `"'><script>alert(2)</script>`;

function target(overrides: Partial<TargetView> = {}): TargetView {
  return {
    target: 'app',
    database: '/data/app.sqlite',
    startedAt: '2026-11-29T10:00:00.000Z',
    durationMs: 12.5,
    up: true,
    ok: true,
    fastPath: false,
    error: null,
    check: { inSync: true, remaining: [], extras: [] },
    checkedAt: '2026-11-29T10:00:00.000Z',
    reconcile: [],
    ...overrides,
  };
}

function data(targets: StatusPageData['targets'], overrides: Partial<StatusPageData> = {}): StatusPageData {
  return {
    state: 'running',
    config: { source: '/etc/driftd/config.json', schedule: '*/30 * * * * *', watch: true, lastReload: { ok: true, at: '2026-11-29T09:00:00.000Z', problems: [] } },
    cycles: { completed: 3, skippedTicks: 1, running: false, last: null, recent: [{ cycle: 3, reason: 'schedule', startedAt: '2026-11-29T10:00:00.000Z', durationMs: 15, targets: [{ target: 'app', ok: true, durationMs: 12.5 }] }] },
    targets,
    ...overrides,
  };
}

const OPTIONS = { now: '2026-11-29T10:00:01.000Z', refresh: true, journal: '/var/lib/driftd/audit/audit.jsonl' };

/** The page's text with every tag removed and entities decoded: what a reader sees. */
function visibleText(page: string): string {
  return page
    .replace(/<style>[\s\S]*?<\/style>|<script>[\s\S]*?<\/script>/g, '')
    .replace(/<wbr>/g, '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

describe('html``: escaping by construction', () => {
  it.each([
    ['<', '&lt;'],
    ['>', '&gt;'],
    ['&', '&amp;'],
    ['"', '&quot;'],
    ["'", '&#39;'],
    ['`', '&#96;'],
    [HOSTILE, '&lt;img src=x onerror=alert(1)&gt;'],
  ])('escapes %s', (text, escaped) => {
    expect(escapeHtml(text)).toBe(escaped);
    expect(html`<td title="${text}">${text}</td>`.text).toBe(`<td title="${escaped}">${escaped}</td>`);
  });

  it('keeps fragments made by html`` and lists of them; drops null, undefined and false', () => {
    const inner = html`<b>${HOSTILE}</b>`;
    expect(html`<p>${inner}${[inner, 'x<']}${null}${undefined}${false}${0}</p>`.text).toBe(`<p>${inner.text}${inner.text}x&lt;0</p>`);
  });

  it('a plain object that looks like a fragment is still escaped (only html`` makes SafeHtml)', () => {
    const forged = { text: '<script>x</script>', toString: () => '<script>x</script>' } as unknown as string;
    expect(html`${forged}`.text).toBe('&lt;script&gt;x&lt;/script&gt;');
  });
});

describe('renderStatusPage: a pure function of the status and the audit entries', () => {
  const unsafe: TargetView = target({
    target: 'hostile',
    database: `/data/${HOSTILE}/app.sqlite`,
    ok: true,
    check: {
      inSync: false,
      remaining: [
        { kind: 'column_type', table: `t${HOSTILE}`, column: QUOTES, safe: false, detail: `column type differs ${HOSTILE}`, reason: 'changing a type rewrites the table; left alone' },
        { kind: 'missing_column', table: 'models', column: 'note', safe: true, detail: 'column "note" is missing', reason: 'nullable column without a default', sql: 'ALTER TABLE "models" ADD COLUMN note TEXT;' },
      ],
      extras: [{ detail: `extra table ${HOSTILE}` }],
    },
    reconcile: [
      {
        rule: 'models',
        table: 'fine_tuned_models',
        blockedBy: null,
        orphans: 2,
        recovered: [{ directory: 'ok-model', path: '/m/ok-model' }],
        raced: 0,
        dangling: 1,
        danglingRows: [{ rowid: 7, storedPath: `/m/${HOSTILE}` }],
        skipped: [{ directory: HOSTILE, reason: 'malformed-json', detail: `adapter_config.json in ${HOSTILE} does not parse` }],
      },
    ],
    totals: { title: 'Fleet', totals: [{ label: 'databases', value: 12 }, { label: `needing attention ${HOSTILE}`, value: 1 }], attention: [{ file: `/fleet/${HOSTILE}.db`, reason: 'DB_CORRUPT' }] },
  });
  const events: AuditEntry[] = [
    { id: 'a', item: 0, time: '2026-11-29T09:59:00.000Z', target: 'hostile', database: '/data/x', cycle: 2, source: 'daemon', kind: 'repair', outcome: 'applied', sql: `ALTER TABLE "t" ADD COLUMN "${HOSTILE}" TEXT;`, table: 't' },
    { id: 'b', item: 0, time: '2026-11-29T09:59:01.000Z', target: 'hostile', database: '/data/x', cycle: 2, source: 'daemon', kind: 'recover', outcome: 'applied', rule: 'models', table: 'fine_tuned_models', keyColumn: 'model_path', key: `/m/${HOSTILE}`, directory: HOSTILE, values: { model_name: HOSTILE, n: 1 } },
    { id: 'c', item: 0, time: '2026-11-29T09:58:00.000Z', target: 'hostile', database: '/data/x', cycle: null, source: 'cli', kind: 'backup', outcome: 'not-applied', reason: `disk full ${QUOTES}`, path: `/b/${HOSTILE}.bak` },
  ];
  const page = renderStatusPage(
    data([target(), unsafe, { target: 'later', database: '/data/later.sqlite', pending: true }], {
      config: { source: `/etc/${HOSTILE}.json`, schedule: '* * * * * *', watch: false, lastReload: { ok: false, at: '2026-11-29T09:30:00.000Z', problems: [`targets[0].name: bad ${HOSTILE}`] } },
    }),
    events,
    OPTIONS,
  );

  it('no markup from the data survives: the only tags are the page\'s own', () => {
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<script>alert');
    expect(page).not.toMatch(/onerror=alert\(1\)>/);
    const tags = new Set([...page.matchAll(/<\/?([a-zA-Z0-9!]+)/g)].map((match) => match[1]!.toLowerCase()));
    const own = new Set(['!doctype', 'a', 'body', 'br', 'code', 'dd', 'dl', 'dt', 'footer', 'h1', 'h2', 'h3', 'h4', 'head', 'header', 'html', 'li', 'main', 'meta', 'p', 'pre', 'script', 'section', 'span', 'strong', 'style', 'table', 'tbody', 'td', 'th', 'thead', 'title', 'tr', 'ul', 'wbr']);
    expect([...tags].filter((tag) => !own.has(tag))).toEqual([]);
    expect([...page.matchAll(/<script>/g)]).toHaveLength(1);
    // Every attribute value is quoted and free of the hostile text's quote.
    for (const [, value] of page.matchAll(/=\s*"([^"]*)"/g)) expect(value).not.toContain('<');
  });

  it('shows, as text: verdicts and reasons per drift item, SQL, recovered rows, directories left for later, dangling rows, reload problems, cycles, totals, the trail', () => {
    const text = visibleText(page);
    for (const expected of [
      '2 of 3 targets need attention',
      'app in sync',
      'hostile drift',
      'later not checked yet',
      `/data/${HOSTILE}/app.sqlite`,
      `column type differs ${HOSTILE}`,
      'unsafe',
      'changing a type rewrites the table; left alone',
      'safe',
      'ALTER TABLE "models" ADD COLUMN note TEXT;',
      `extra table ${HOSTILE}`,
      `ALTER TABLE "t" ADD COLUMN "${HOSTILE}" TEXT;`,
      `model_path = /m/${HOSTILE}`,
      `model_name="${HOSTILE}"`,
      `${HOSTILE} malformed-json adapter_config.json in ${HOSTILE} does not parse`,
      `7 /m/${HOSTILE}`,
      '1 recovered · 1 waiting · 1 dangling row · 1 directory left for later',
      'reload failed; the last good config keeps running',
      `targets[0].name: bad ${HOSTILE}`,
      `/etc/${HOSTILE}.json`,
      '3 completed · 1 scheduled tick skipped',
      '3 schedule 2026-11-29T10:00:00.000Z 15.0 ms app ok (12.5 ms)',
      `needing attention ${HOSTILE} 1`,
      `/fleet/${HOSTILE}.db DB_CORRUPT`,
      `disk full ${QUOTES}`,
      `backup /b/${HOSTILE}.bak`,
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('is pure: the same input renders the same page', () => {
    expect(renderStatusPage(data([unsafe]), events, OPTIONS)).toBe(renderStatusPage(data([unsafe]), events, OPTIONS));
  });

  it('the CSP allows exactly the page\'s own inline style and script, by hash, and nothing else loads', () => {
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)![1]!;
    const script = /<script>([\s\S]*?)<\/script>/.exec(page)![1]!;
    const sha = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(STATUS_PAGE_CSP).toContain(`style-src ${sha(style)};`);
    expect(STATUS_PAGE_CSP).toContain(`script-src ${sha(script)};`);
    expect(STATUS_PAGE_CSP).toMatch(/^default-src 'none';/);
    expect(STATUS_PAGE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(renderStatusPage(data([]), [], { ...OPTIONS, refresh: false })).not.toContain('<script>');
  });

  it('a fleet target: totals by state, the last sweep, and the files needing attention with why (escaped)', () => {
    const fleetPage = renderStatusPage(
      data([
        {
          target: 'tenants',
          databases: '/srv/t/*/app.sqlite',
          fleet: true,
          files: 236,
          totals: { in_sync: 200, drifted: 30, repaired: 4, error: 2 },
          droppedTotal: 3,
          lastSweep: { startedAt: '2026-11-29T10:00:00.000Z', durationMs: 2500, checked: 12, unchanged: 224, appeared: 1, dropped: 0, error: null, unlisted: [{ directory: `/srv/t/${HOSTILE}`, message: 'EACCES' }] },
          attention: {
            total: 32,
            shown: [
              { path: `/srv/t/${HOSTILE}/app.sqlite`, state: 'error', error: { code: 'DB_CORRUPT', message: 'file is not a database' }, drift: [] },
              { path: '/srv/t/b/app.sqlite', state: 'drifted', error: null, drift: [{ kind: 'column_type', table: 'notes', safe: false, detail: 'type differs' }] },
            ],
            more: '/status?target=tenants&state=attention&limit=100&offset=0',
          },
        },
        { target: 'later', databases: '/srv/x/*.db', fleet: true, pending: true },
      ]),
      [],
      OPTIONS,
    );
    expect(fleetPage).not.toContain('<img');
    const text = visibleText(fleetPage);
    for (const expected of [
      '2 of 2 targets need attention',
      'tenants 32 of 236 files need attention',
      '236 files',
      '12 checked, 224 unchanged, 1 appeared, 0 gone',
      'in sync 200',
      'drifted 30',
      'gone since start 3',
      `/srv/t/${HOSTILE}/app.sqlite error: DB_CORRUPT: file is not a database`,
      '/srv/t/b/app.sqlite drifted: column_type notes (unsafe)',
      `/srv/t/${HOSTILE} : EACCES`,
      'and 30 more: /status?target=tenants&state=attention&limit=100&offset=0',
      'later not swept yet',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('shows config warnings, a repair back-off, a migration tool holding repair and an FTS rebuild hint, escaped', () => {
    const page = renderStatusPage(
      data(
        [
          target({
            repairBackoff: { failures: 3, retryAt: '2026-11-29T10:04:00.000Z', lastCode: 'DB_DISK_FULL' },
            check: {
              inSync: false,
              remaining: [{ kind: 'stale_fts_index', table: 'notes_fts', safe: false, detail: `index ${HOSTILE} missed rows`, reason: 'rows written while the sync triggers were missing', hint: `INSERT INTO "notes_fts"("notes_fts") VALUES('rebuild');` }],
              extras: [],
              migrationTools: [{ name: 'Alembic', table: 'alembic_version' }],
              repairHeld: 'a migration tool manages this database (Alembic)',
            },
          }),
        ],
        { config: { source: '/etc/driftd/config.json', schedule: '* * * * * *', watch: true, lastReload: { ok: true, at: '2026-11-29T09:00:00.000Z', problems: [] }, warnings: [`targets "a" and "b" resolve to the same database file ${HOSTILE}`] } },
      ),
      [],
      OPTIONS,
    );
    const text = visibleText(page);
    expect(text).toContain(`targets "a" and "b" resolve to the same database file ${HOSTILE}`);
    expect(text).toContain('3 failed in a row (DB_DISK_FULL) next attempt at 2026-11-29T10:04:00.000Z');
    expect(text).toContain('Alembic ( alembic_version ) · repair held a migration tool manages this database (Alembic)');
    expect(text).toContain(`run: INSERT INTO "notes_fts"("notes_fts") VALUES('rebuild');`);
    expect(page).not.toContain('<img');
  });

  it('an unreadable audit trail is said on the page; the rest still renders', () => {
    const text = visibleText(renderStatusPage(data([target()]), [], { ...OPTIONS, trailError: `AUDIT_UNREADABLE ${HOSTILE}` }));
    expect(text).toContain(`audit trail unreadable AUDIT_UNREADABLE ${HOSTILE}`);
    expect(text).toContain('app in sync');
  });

  it('the headline agrees in number: 1 of 1 target needs attention, 2 of 3 targets need attention', () => {
    const drifted = target({ check: { inSync: false, remaining: [{ kind: 'column_type', table: 't', column: 'a', safe: false, detail: 'd', reason: 'r' }], extras: [] } });
    expect(visibleText(renderStatusPage(data([drifted]), [], OPTIONS))).toContain('driftd status 1 of 1 target needs attention daemon');
    expect(visibleText(renderStatusPage(data([drifted, drifted, target()]), [], OPTIONS))).toContain('2 of 3 targets need attention');
  });

  it('never a green "all in sync" while a model directory waits for a person; a settling one does not count', () => {
    const skipped = (reason: string): TargetView =>
      target({ reconcile: [{ rule: 'models', table: 'm', blockedBy: null, orphans: 0, recovered: [], raced: 0, dangling: 0, skipped: [{ directory: 'broken', reason, detail: 'x' }] }] });
    const stuck = renderStatusPage(data([skipped('malformed-json')]), [], OPTIONS);
    expect(stuck).toContain('<span class="badge warn">schemas in sync; 1 model directory will not be recovered without you</span>');
    expect(visibleText(stuck)).toContain('app in sync 1 model directory needs you');
    expect(stuck).not.toContain('badge ok">all in sync');
    expect(renderStatusPage(data([skipped('settling')]), [], OPTIONS)).toContain('<span class="badge ok">all in sync</span>');
  });

  it('labels the dangling row and shows an unsafe item\'s diff and the statements to run by hand', () => {
    const view = target({
      check: {
        inSync: false,
        remaining: [
          {
            kind: 'view_definition',
            table: 'v',
            view: 'v',
            safe: false,
            detail: 'view "v" differs',
            reason: 'never drops',
            definitionDiff: ['- as select a', '+ as select a, b', '  from t'],
            manual: { statements: ['BEGIN IMMEDIATE;', 'DROP VIEW "v";', 'CREATE VIEW v AS SELECT a, b FROM t;', 'COMMIT;'], note: 'a view holds no data' },
          },
        ],
        extras: [],
      },
      reconcile: [{ rule: 'models', table: 'm', blockedBy: null, orphans: 0, recovered: [], raced: 0, dangling: 1, danglingRows: [{ rowid: 3, storedPath: '/m/gone' }], skipped: [] }],
    });
    const page = renderStatusPage(data([view]), [], OPTIONS);
    expect(page).toContain('<pre class="diff"><span class="del">- as select a</span>\n<span class="ins">+ as select a, b</span>\n<span class="same">  from t</span></pre>');
    expect(page).toContain('<pre>BEGIN IMMEDIATE;\nDROP VIEW &quot;v&quot;;\nCREATE VIEW v AS SELECT a, b FROM t;\nCOMMIT;</pre>');
    expect(page).toContain('<td class="nowrap" data-label="dangling row">rowid 3</td>');
  });
});
