import { createHash } from 'node:crypto';
import type { AuditEntry } from '../audit/audit-record.js';
import type { ErrorSummary, ReconcileSummary } from '../report/report-vocabulary.js';
import { html, type SafeHtml } from './html.js';

/**
 * The status page at `/`: server-rendered HTML, readable without JavaScript,
 * no external assets. `renderStatusPage` is a pure function of the daemon's
 * status and the latest audit entries; the route (http-server.ts) only adds
 * headers. Everything shown that comes from databases, directory names or the
 * config goes through `html`'s escaping.
 */

/** A drift item as the check reports it. */
export interface DriftView {
  readonly kind: string;
  readonly table: string;
  readonly column?: string;
  readonly index?: string;
  readonly view?: string;
  readonly trigger?: string;
  readonly safe: boolean;
  readonly detail: string;
  readonly reason: string;
  readonly sql?: string;
  /** A statement for the operator (the FTS rebuild of stale_fts_index). */
  readonly hint?: string;
  /** Unsafe items: the statements to run by hand, or the `driftd plan` pointer. */
  readonly manual?: { readonly statements: readonly string[]; readonly note: string };
  /** A view, trigger or virtual table that differs: live vs declared, line by line. */
  readonly definitionDiff?: readonly string[];
}

/** One reconcile rule's last round (the daemon's, without its timings). */
export type ReconcileView = Omit<ReconcileSummary, 'timings'>;

/**
 * A per-target block of totals and files needing attention: fleet targets
 * (many databases under one target) fill it; a single-database target leaves it out.
 */
export interface TargetTotalsView {
  readonly title: string;
  readonly totals: readonly { readonly label: string; readonly value: string | number }[];
  readonly attention: readonly { readonly file: string; readonly reason: string }[];
}

/** One target's last cycle (the daemon's TargetCycleReport, the fields the page shows). */
export interface TargetView {
  readonly target: string;
  readonly database: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly up: boolean;
  readonly ok: boolean;
  readonly fastPath: boolean;
  /** The state from the one table (pipeline/target-state.ts). */
  readonly state?: string;
  readonly error: ErrorSummary | null;
  readonly check: {
    readonly inSync: boolean;
    readonly remaining: readonly DriftView[];
    readonly extras: readonly { readonly detail: string }[];
    readonly migrationTools?: readonly { readonly name: string; readonly table: string }[];
    readonly repairHeld?: string | null;
  } | null;
  readonly checkedAt: string | null;
  /** Set while failed repairs of this target are backed off. */
  readonly repairBackoff?: { readonly failures: number; readonly retryAt: string; readonly lastCode: string } | null;
  readonly reconcile: readonly ReconcileView[];
  readonly totals?: TargetTotalsView;
}

/** A fleet target (one pattern, many databases): its last sweep, totals by state and the first files needing attention. */
export type FleetTargetView =
  | { readonly target: string; readonly databases: string; readonly fleet: true; readonly pending: true }
  | {
      readonly target: string;
      readonly databases: string;
      readonly fleet: true;
      readonly files: number;
      readonly totals: Readonly<Record<string, number>>;
      readonly droppedTotal: number;
      readonly lastSweep: {
        readonly startedAt: string;
        readonly durationMs: number;
        readonly checked: number;
        readonly unchanged: number;
        readonly appeared: number;
        readonly dropped: number;
        readonly error: ErrorSummary | null;
        readonly unlisted: readonly { readonly directory: string; readonly message: string }[];
      };
      readonly attention: {
        readonly total: number;
        readonly shown: readonly {
          readonly path: string;
          readonly state: string;
          readonly error: Pick<ErrorSummary, 'code' | 'message'> | null;
          readonly drift: readonly { readonly kind: string; readonly table: string; readonly safe: boolean; readonly detail: string }[];
        }[];
        readonly more: string;
      };
    };

/** A configured target that has not run yet. */
export interface PendingTargetView {
  readonly target: string;
  readonly database: string;
  readonly pending: true;
}

export interface CycleView {
  readonly cycle: number;
  readonly reason: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly targets?: readonly { readonly target: string; readonly ok: boolean; readonly durationMs: number }[];
}

/** What GET /status returns, as far as the page reads it. */
export interface StatusPageData {
  readonly state: string;
  readonly config: {
    readonly source: string;
    readonly schedule: string;
    readonly watch: boolean;
    readonly lastReload: { readonly ok: boolean; readonly at: string; readonly problems: readonly string[] };
    /** Config warnings, e.g. two targets on one database file. */
    readonly warnings?: readonly string[];
  };
  readonly cycles: {
    readonly completed: number;
    readonly skippedTicks: number;
    readonly running: boolean;
    readonly last: CycleView | null;
    readonly recent?: readonly CycleView[];
  };
  readonly targets: readonly (TargetView | PendingTargetView | FleetTargetView)[];
}

export interface StatusPageOptions {
  /** When the page was rendered (ISO). */
  readonly now: string;
  /** Include the inline script that reloads the page every 15 s. */
  readonly refresh: boolean;
  /** The audit journal's path, shown with its entries; null when there is none. */
  readonly journal: string | null;
  /** Why the audit trail could not be read, when it could not (the rest of the page still renders). */
  readonly trailError?: string | null;
  /** Journal lines read for the trail that were not valid records (torn by a kill, malformed, wrong-shaped): skipped, counted. */
  readonly skippedLines?: number;
}

/** Entries shown per target (repairs, recovered rows) and in the trail at the bottom. */
const PER_TARGET_ENTRIES = 10;
const TRAIL_ENTRIES = 25;

// Literal fragments (no interpolation): served verbatim, and allowed by the CSP through their hashes.
const STYLE = html`body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem 1.5rem;color:#1b1f24;background:#fafbfc}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #d0d7de}h3{font-size:1.05rem;margin:.3rem 0}h4{font-size:.95rem;margin:.9rem 0 .3rem}
section.target{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:.6rem 1rem;margin:.8rem 0}
table{border-collapse:collapse;width:100%;margin:.3rem 0}th,td{text-align:left;vertical-align:top;padding:.25rem .5rem;border-bottom:1px solid #eaeef2}th{font-weight:600;background:#f6f8fa}
code,pre{font:12.5px/1.4 ui-monospace,monospace;white-space:pre-wrap;overflow-wrap:break-word}
td.nowrap,td.nowrap code{white-space:nowrap}pre{margin:.3rem 0;padding:.3rem .5rem;background:#f6f8fa;border-radius:4px;overflow-x:auto;white-space:pre}
pre .del{color:#a40e26}pre .ins{color:#116329}
@media (max-width:40rem){body{padding:.5rem .6rem}table,thead,tbody,tr,th,td{display:block;width:auto}thead{display:none}tr{border-bottom:1px solid #d0d7de;padding:.3rem 0}td{border:0;padding:.1rem .2rem}td[data-label]::before{content:attr(data-label) ": ";color:#57606a}td.nowrap,td.nowrap code{white-space:normal}dl{grid-template-columns:1fr}dt{margin-top:.3rem}}
.badge{display:inline-block;padding:0 .5rem;border-radius:1rem;font-size:.8rem;font-weight:600;vertical-align:middle}
.ok{background:#dafbe1;color:#116329}.warn{background:#fff8c5;color:#7d4e00}.bad{background:#ffebe9;color:#a40e26}.muted{color:#57606a}
ul{margin:.2rem 0;padding-left:1.3rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.3rem 0}dt{color:#57606a}dd{margin:0}`;

/** Reloads the page every 15 s while it is visible, so it stays current; the page is complete without it. */
const SCRIPT = html`setTimeout(function(){if(!document.hidden){location.reload();}else{document.addEventListener('visibilitychange',function(){location.reload();},{once:true});}},15000);`;

const hash = (fragment: SafeHtml) => `'sha256-${createHash('sha256').update(fragment.text, 'utf8').digest('base64')}'`;

/**
 * The page's Content-Security-Policy: nothing may load, and only the page's
 * own inline style and script (by hash) may apply or run — markup that slipped
 * through escaping could still not execute.
 */
export const STATUS_PAGE_CSP = `default-src 'none'; style-src ${hash(STYLE)}; script-src ${hash(SCRIPT)}; img-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

export function renderStatusPage(data: StatusPageData, events: readonly AuditEntry[], options: StatusPageOptions): string {
  const targets = data.targets;
  const inSync = targets.filter(targetInSync).length;
  const attention = targets.length - inSync;
  const waiting = targets.reduce((sum, target) => sum + directoriesForAPerson(target), 0);
  const headline = headlineText(attention, targets.length, waiting);
  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>driftd — ${headline}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>driftd status</h1>
<p id="summary">${html`<span class="badge ${attention > 0 ? 'bad' : waiting > 0 ? 'warn' : 'ok'}">${headline}</span>`}
 daemon <strong>${data.state}</strong> · ${targets.length} target${targets.length === 1 ? '' : 's'} · rendered ${options.now}</p>
</header>
<main>
${configSection(data)}
<h2 id="targets">Targets</h2>
${targets.map((target) => ('fleet' in target ? fleetSection(target) : 'pending' in target ? pendingTarget(target) : targetSection(target, events)))}
${cyclesSection(data)}
${trailSection(events, options.journal, options.trailError ?? null, options.skippedLines ?? 0)}
</main>
<footer><p class="muted">JSON: <a href="/status">/status</a> · <a href="/events">/events</a> · <a href="/metrics">/metrics</a> · <a href="/healthz">/healthz</a>. This page is read-only.</p></footer>
${options.refresh ? html`<script>${SCRIPT}</script>` : null}
</body>
</html>
`;
  return page.text;
}


function configSection(data: StatusPageData): SafeHtml {
  const reload = data.config.lastReload;
  return html`<h2 id="config">Config</h2>
<dl>
<dt>file</dt><dd><code>${data.config.source}</code></dd>
<dt>schedule</dt><dd><code>${data.config.schedule}</code>${data.config.watch ? ' · watching files' : ' · not watching files'}</dd>
<dt>last reload</dt><dd>${reload.ok ? html`<span class="badge ok">loaded</span>` : html`<span class="badge bad">reload failed; the last good config keeps running</span>`} at ${reload.at}</dd>
</dl>
${reload.problems.length > 0 ? html`<h4>Problems in the config file</h4><ul class="problems">${reload.problems.map((problem) => html`<li><code>${problem}</code></li>`)}</ul>` : null}
${(data.config.warnings ?? []).length > 0 ? html`<h4>Warnings</h4><ul class="problems">${(data.config.warnings ?? []).map((warning) => html`<li>${warning}</li>`)}</ul>` : null}`;
}

/**
 * `1 of 3 targets needs attention`, `2 of 3 targets need attention`; never a green "all in sync"
 * while a model directory waits for a person (skipped for a reason a later round cannot mend).
 */
export function headlineText(attention: number, total: number, waiting: number): string {
  const head = attention === 0 ? (waiting === 0 ? 'all in sync' : 'schemas in sync') : `${countOf(attention, total, 'target', 'targets')} attention`;
  return waiting === 0 ? head : `${head}; ${waiting} model director${waiting === 1 ? 'y' : 'ies'} will not be recovered without you`;
}

/** `1 of 1 target needs`, `2 of 3 targets need`: the verb agrees with the count, the noun with the total. */
function countOf(count: number, total: number, one: string, many: string): string {
  return `${count} of ${total} ${total === 1 ? one : many} ${count === 1 ? 'needs' : 'need'}`;
}

/** Skipped directories a later round will not take by itself (every reason but `settling`). */
function directoriesForAPerson(target: TargetView | PendingTargetView | FleetTargetView): number {
  if ('fleet' in target || 'pending' in target) return 0;
  return (target.reconcile ?? []).reduce((sum, rule) => sum + rule.skipped.filter((skip) => skip.reason !== 'settling').length, 0);
}

function targetInSync(target: TargetView | PendingTargetView | FleetTargetView): boolean {
  if ('fleet' in target) return !('pending' in target) && target.lastSweep.error === null && target.attention.total === 0;
  if ('pending' in target) return false;
  return target.ok && target.check?.inSync === true;
}

function fleetSection(target: FleetTargetView): SafeHtml {
  if ('pending' in target) return html`<section class="target"><h3>${target.target} <span class="badge warn">not swept yet</span></h3><p class="muted">databases <code>${target.databases}</code></p></section>`;
  const sweep = target.lastSweep;
  const verdict = sweep.error
    ? html`<span class="badge bad">failed: ${sweep.error.code}</span>`
    : target.attention.total === 0
      ? html`<span class="badge ok">all in sync</span>`
      : html`<span class="badge bad">${countOf(target.attention.total, target.files, 'file', 'files')} attention</span>`;
  const more = target.attention.total - target.attention.shown.length;
  return html`<section class="target" id="target-${target.target}">
<h3>${target.target} ${verdict}</h3>
<dl>
<dt>databases</dt><dd><code>${target.databases}</code> · ${target.files} file${target.files === 1 ? '' : 's'}</dd>
<dt>last sweep</dt><dd>${sweep.startedAt} · ${formatMs(sweep.durationMs)} · ${sweep.checked} checked, ${sweep.unchanged} unchanged, ${sweep.appeared} appeared, ${sweep.dropped} gone</dd>
</dl>
${sweep.error ? html`<p><span class="badge bad">${sweep.error.code}</span> ${sweep.error.message}${sweep.error.hint ? html`<br><span class="muted">hint: ${sweep.error.hint}</span>` : null}</p>` : null}
${sweep.unlisted.length > 0 ? html`<p>directories that could not be listed (their files keep their last results):</p><ul>${sweep.unlisted.map((item) => html`<li><code>${item.directory}</code>: ${item.message}</li>`)}</ul>` : null}
${totalsBlock({
  title: 'Fleet totals',
  totals: [...Object.entries(target.totals).map(([state, count]) => ({ label: state.replace(/_/g, ' '), value: count })), { label: 'gone since start', value: target.droppedTotal }],
  attention: target.attention.shown.map((file) => ({
    file: file.path,
    reason: file.error ? `${file.state}: ${file.error.code}: ${file.error.message}` : `${file.state}: ${file.drift.map((item) => `${item.kind} ${item.table} (${item.safe ? 'safe' : 'unsafe'})`).join('; ')}`,
  })),
})}
${more > 0 ? html`<p class="muted">and ${more} more: <a href="${target.attention.more}">${target.attention.more}</a></p>` : null}
</section>`;
}

function pendingTarget(target: PendingTargetView): SafeHtml {
  return html`<section class="target"><h3>${target.target} <span class="badge warn">not checked yet</span></h3><p class="muted">database <code>${target.database}</code></p></section>`;
}

function targetVerdict(target: TargetView): SafeHtml {
  if (!target.up) return html`<span class="badge bad">database down</span>`;
  if (target.state === 'repair_failing' && target.error) return html`<span class="badge bad">repair failing: ${target.error.code}</span>`;
  if (target.error) return html`<span class="badge bad">failed: ${target.error.code}</span>`;
  if (target.state === 'held') return html`<span class="badge warn">drift, repair held</span>`;
  if (target.check === null) return html`<span class="badge warn">not checked yet</span>`;
  return target.check.inSync ? html`<span class="badge ok">in sync</span>` : html`<span class="badge bad">drift</span>`;
}

function targetSection(target: TargetView, events: readonly AuditEntry[]): SafeHtml {
  const mine = events.filter((entry) => entry.target === target.target);
  const repairs = mine.filter((entry) => entry.kind === 'repair' || entry.kind === 'backup' || entry.kind === 'rebuild').slice(-PER_TARGET_ENTRIES);
  const recovered = mine.filter((entry) => entry.kind === 'recover').slice(-PER_TARGET_ENTRIES);
  const drift = target.check?.remaining ?? [];
  return html`<section class="target" id="target-${target.target}">
<h3>${target.target} ${targetVerdict(target)}${directoriesForAPerson(target) > 0 ? html` <span class="badge warn">${directoriesForAPerson(target)} model director${directoriesForAPerson(target) === 1 ? 'y needs' : 'ies need'} you</span>` : null}</h3>
<dl>
<dt>database</dt><dd><code>${breakable(target.database)}</code></dd>
<dt>last cycle</dt><dd>${target.startedAt} · ${formatMs(target.durationMs)}${target.fastPath ? ' · schema unchanged since the last full check' : ''}</dd>
${target.checkedAt ? html`<dt>last full check</dt><dd>${target.checkedAt}</dd>` : null}
${target.repairBackoff ? html`<dt>repair back-off</dt><dd><span class="badge warn">${target.repairBackoff.failures} failed in a row (${target.repairBackoff.lastCode})</span> next attempt at ${target.repairBackoff.retryAt}</dd>` : null}
${target.check?.migrationTools && target.check.migrationTools.length > 0 ? html`<dt>migration tool</dt><dd>${target.check.migrationTools.map((tool, index) => html`${index > 0 ? '; ' : ''}${tool.name} (<code>${tool.table}</code>)`)}${target.check.repairHeld ? html` · <span class="badge warn">repair held</span> ${target.check.repairHeld}` : null}</dd>` : null}
</dl>
${target.error ? html`<p class="error"><span class="badge bad">${target.error.code}</span> ${target.error.message}${target.error.hint ? html`<br><span class="muted">hint: ${target.error.hint}</span>` : null}</p>` : null}
${target.totals ? totalsBlock(target.totals) : null}
<h4>Drift</h4>
${
  target.check === null
    ? html`<p class="muted">no full check yet</p>`
    : drift.length === 0
      ? html`<p>none: the database matches its declared schema</p>`
      : html`<table class="drift"><thead><tr><th>kind</th><th>where</th><th>verdict</th><th>what and why</th></tr></thead><tbody>${drift.map(driftRow)}</tbody></table>`
}
${target.check && target.check.extras.length > 0 ? html`<p class="muted">${target.check.extras.length} extra object${target.check.extras.length === 1 ? '' : 's'} (reported, never touched): ${target.check.extras.map((extra, index) => html`${index > 0 ? '; ' : ''}${extra.detail}`)}</p>` : null}
<h4>Last repairs</h4>
${repairs.length === 0 ? html`<p class="muted">none recorded</p>` : html`<table class="repairs"><thead><tr><th>when</th><th>outcome</th><th>change</th></tr></thead><tbody>${repairs.map((entry) => html`<tr><td>${entry.time}</td><td>${outcomeBadge(entry)}</td><td>${changeText(entry)}</td></tr>`)}</tbody></table>`}
${target.reconcile.map(reconcileBlock)}
<h4>Recovered rows</h4>
${recovered.length === 0 ? html`<p class="muted">none recorded</p>` : html`<table class="recovered"><thead><tr><th>when</th><th>outcome</th><th>row</th></tr></thead><tbody>${recovered.map((entry) => html`<tr><td>${entry.time}</td><td>${outcomeBadge(entry)}</td><td>${changeText(entry)}</td></tr>`)}</tbody></table>`}
</section>`;
}

function driftRow(item: DriftView): SafeHtml {
  const where = [item.table, item.column ?? item.index ?? (item.view === item.table ? undefined : item.view) ?? item.trigger].filter(Boolean).join('.');
  return html`<tr><td class="nowrap" data-label="kind"><code>${item.kind}</code></td><td data-label="where"><code>${breakable(where)}</code></td><td data-label="verdict">${item.safe ? html`<span class="badge ok">safe</span>` : html`<span class="badge bad">unsafe</span>`}</td><td>${item.detail}<br><span class="muted">${item.reason}</span>${item.sql ? html`<br><code>${item.sql}</code>` : null}${item.hint ? html`<br>run: <code>${item.hint}</code>` : null}${item.definitionDiff ? html`<br>diff (<span class="muted">- live, + declared</span>):<pre class="diff">${item.definitionDiff.map((line, index) => html`${index > 0 ? '\n' : ''}<span class="${line.startsWith('- ') ? 'del' : line.startsWith('+ ') ? 'ins' : 'same'}">${line}</span>`)}</pre>` : null}${item.manual ? manualFixHtml(item.manual) : null}</td></tr>`;
}

function manualFixHtml(manual: NonNullable<DriftView['manual']>): SafeHtml {
  return manual.statements.length === 0
    ? html`<br>to fix: ${manual.note}`
    : html`<br>to fix by hand (after a backup; ${manual.note}):<pre>${manual.statements.join('\n')}</pre>`;
}

/** Text with a line-break opportunity after each `.` and `/`, so a name breaks between its parts, never inside a word. */
function breakable(text: string): SafeHtml[] {
  return text.split(/(?<=[./])/).map((part, index) => (index === 0 ? html`${part}` : html`<wbr>${part}`));
}

function reconcileBlock(rule: ReconcileView): SafeHtml {
  const waiting = Math.max(0, rule.orphans - rule.recovered.length - rule.raced);
  return html`<h4>Reconcile rule ${rule.rule} → ${rule.table}</h4>
${rule.error ? html`<p><span class="badge bad">${rule.error.code}</span> ${rule.error.message}${rule.error.hint ? html`<br><span class="muted">hint: ${rule.error.hint}</span>` : null}</p>` : null}
${rule.blockedBy ? html`<p><span class="badge warn">blocked by drift</span> ${rule.blockedBy}: nothing scanned or inserted until the schema is repaired</p>` : null}
<p>last round: ${rule.recovered.length} recovered · ${waiting} waiting · ${rule.dangling} dangling row${rule.dangling === 1 ? '' : 's'} · ${rule.skipped.length} director${rule.skipped.length === 1 ? 'y' : 'ies'} left for later</p>
${rule.skipped.length > 0 ? html`<table class="skipped"><thead><tr><th>directory left for later</th><th>reason</th><th>detail</th></tr></thead><tbody>${rule.skipped.map((skip) => html`<tr><td data-label="directory"><code>${skip.directory}</code></td><td class="nowrap" data-label="reason">${skip.reason}</td><td data-label="detail">${skip.detail}</td></tr>`)}</tbody></table>` : null}
${rule.danglingRows && rule.danglingRows.length > 0 ? html`<table class="dangling"><thead><tr><th>dangling row</th><th>stored path (directory gone; the row is left alone)</th></tr></thead><tbody>${rule.danglingRows.map((row) => html`<tr><td class="nowrap" data-label="dangling row">${row.rowid === null ? '(no rowid)' : `rowid ${row.rowid}`}</td><td data-label="stored path"><code>${breakable(row.storedPath)}</code></td></tr>`)}</tbody></table>${rule.dangling > rule.danglingRows.length ? html`<p class="muted">and ${rule.dangling - rule.danglingRows.length} more</p>` : null}` : null}`;
}

function totalsBlock(block: TargetTotalsView): SafeHtml {
  return html`<h4>${block.title}</h4>
<dl>${block.totals.map((total) => html`<dt>${total.label}</dt><dd>${total.value}</dd>`)}</dl>
${block.attention.length > 0 ? html`<table class="attention"><thead><tr><th>file needing attention</th><th>why</th></tr></thead><tbody>${block.attention.map((item) => html`<tr><td><code>${item.file}</code></td><td>${item.reason}</td></tr>`)}</tbody></table>` : null}`;
}

function cyclesSection(data: StatusPageData): SafeHtml {
  const cycles = data.cycles.recent ?? (data.cycles.last ? [data.cycles.last] : []);
  return html`<h2 id="cycles">Cycles</h2>
<p>${data.cycles.completed} completed · ${data.cycles.skippedTicks} scheduled tick${data.cycles.skippedTicks === 1 ? '' : 's'} skipped (a cycle was still running)${data.cycles.running ? ' · one running now' : ''}</p>
${cycles.length === 0 ? html`<p class="muted">no cycle yet</p>` : html`<table class="cycles"><thead><tr><th>cycle</th><th>why</th><th>started</th><th>duration</th><th>targets</th></tr></thead><tbody>${[...cycles].reverse().map((cycle) => html`<tr><td>${cycle.cycle}</td><td>${cycle.reason}</td><td>${cycle.startedAt}</td><td>${formatMs(cycle.durationMs)}</td><td>${(cycle.targets ?? []).map((target, index) => html`${index > 0 ? ', ' : ''}${target.target} ${target.ok ? 'ok' : 'failed'} (${formatMs(target.durationMs)})`)}</td></tr>`)}</tbody></table>`}`;
}

function trailSection(events: readonly AuditEntry[], journal: string | null, trailError: string | null, skippedLines: number): SafeHtml {
  const latest = events.slice(-TRAIL_ENTRIES).reverse();
  return html`<h2 id="audit">Audit trail</h2>
<p class="muted">Every change driftd made to a database, newest first${journal ? html` (journal <code>${journal}</code>; all of it: <code>driftd history</code> or <a href="/events">/events</a>)` : null}.</p>
${trailError ? html`<p><span class="badge bad">audit trail unreadable</span> ${trailError}</p>` : null}
${skippedLines > 0 ? html`<p><span class="badge warn">${skippedLines} journal line${skippedLines === 1 ? '' : 's'} skipped</span> not valid audit records (torn by a kill, malformed or wrong-shaped); the rest of the trail is shown</p>` : null}
${latest.length === 0 ? html`<p class="muted">no changes recorded</p>` : html`<table class="trail"><thead><tr><th>when</th><th>target</th><th>by</th><th>kind</th><th>outcome</th><th>change</th></tr></thead><tbody>${latest.map((entry) => html`<tr><td>${entry.time}</td><td>${entry.target}</td><td>${entry.cycle === null ? entry.source : `cycle ${entry.cycle}`}</td><td>${entry.kind}</td><td>${outcomeBadge(entry)}</td><td>${changeText(entry)}</td></tr>`)}</tbody></table>`}`;
}

function outcomeBadge(entry: AuditEntry): SafeHtml {
  const kind = entry.outcome === 'applied' ? 'ok' : entry.outcome === 'pending' ? 'warn' : 'bad';
  return html`<span class="badge ${kind}">${entry.outcome}</span>${entry.resolved ? html` <span class="muted">(resolved at start)</span>` : null}${entry.reason ? html`<br><span class="muted">${entry.reason}</span>` : null}`;
}

function changeText(entry: AuditEntry): SafeHtml {
  switch (entry.kind) {
    case 'repair':
      return html`<code>${entry.sql}</code>`;
    case 'recover':
      return html`<code>${entry.table}</code> ${entry.keyColumn} = <code>${breakable(String(entry.key))}</code><br><span class="muted">${Object.entries(entry.values ?? {}).map(([column, value], index) => html`${index > 0 ? ' · ' : ''}${column}=${JSON.stringify(value)}`)}</span>`;
    case 'backup':
      return html`backup <code>${breakable(entry.path ?? '')}</code>`;
    case 'rebuild':
      return entry.item === 0 ? html`plan <code>${breakable(entry.path ?? '')}</code><br><span class="muted">${entry.sql}</span>` : html`<code>${entry.sql}</code>`;
    default: {
      const never: never = entry.kind;
      throw new Error(`unhandled entry kind ${String(never)}`);
    }
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}
