// `npm run demo`: build (when dist/ is older than its sources), lay out the seed's ModelForge data directory (a database from before 0.2.1 and
// model directories whose rows were lost), then run the daemon on it:
//
//   driftd run --config config.example.json
//
// Its JSON log shows the drift found, the repair applied and each model recovered; once the first cycle is
// done this script prints the same from GET /status and GET /metrics, and the URLs to look at. The daemon
// runs until Ctrl-C. For scripted use, `npm run demo -- --once` (or DRIFTD_DEMO_ONCE=1) runs one cycle and exits.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isBuildStale } from './build-if-stale.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const once = process.argv.includes('--once') || process.env.DRIFTD_DEMO_ONCE === '1';

const step = (title, command, args) => {
  if (title) console.log(`\n$ ${title}`);
  const result = spawnSync(command, args, { cwd: repo, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 2;
};

// `npm ci` built dist/ already (prepare): build again only when a source is newer than what it built.
if (isBuildStale(repo) && step('npm run build', 'npm', ['run', '--silent', 'build']) !== 0) process.exit(2);
if (step('node scripts/make-demo.mjs', process.execPath, ['scripts/make-demo.mjs']) !== 0) process.exit(2);

const args = ['dist/bundle/driftd.cjs', 'run', '--config', 'config.example.json', ...(once ? ['--once'] : [])];
console.log(`\n$ ./driftd ${args.slice(1).join(' ')}`);
const daemon = spawn(process.execPath, args, { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });

let buffer = '';
let address = null;
daemon.stdout.setEncoding('utf8').on('data', (chunk) => {
  process.stdout.write(chunk);
  buffer += chunk;
  let newline;
  while ((newline = buffer.indexOf('\n')) >= 0) {
    const line = buffer.slice(0, newline);
    buffer = buffer.slice(newline + 1);
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (entry.msg === 'listening' && !address) {
      address = entry.address;
      void showEndpoints(address);
    }
  }
});

// Ctrl-C reaches the daemon through the process group; it finishes its cycle and exits 0.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => daemon.kill('SIGTERM'));
daemon.on('exit', (code) => {
  if (once) console.log(code === 0 ? '\ndemo: one cycle done; the database is in sync and the lost models have rows again.' : `\ndemo: driftd exited ${code}`);
  process.exit(code ?? 2);
});

async function showEndpoints(base) {
  // Wait for the first cycle: /status lists a report per target once it ran.
  let status = null;
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      status = await (await fetch(`${base}/status`)).json();
      if (status.targets.every((target) => target.check)) break;
    } catch {
      // not answering yet
    }
    await new Promise((wake) => setTimeout(wake, 100));
  }
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const lines = [`\n── driftd is running ─────────────────────────────────────────────`];
  for (const target of status?.targets ?? []) {
    const recovered = (target.reconcile ?? []).reduce((sum, rule) => sum + rule.recovered.length, 0);
    const skipped = (target.reconcile ?? []).flatMap((rule) => rule.skipped.map((item) => `${item.directory} (${item.reason})`));
    lines.push(`GET /status  ${target.target}: in sync ${target.check?.inSync}, drift found ${target.check?.drift.length ?? 0}, repairs applied ${target.check?.applied.length ?? 0}, rows recovered ${recovered}`);
    if (skipped.length > 0) lines.push(`             left for later: ${skipped.join(', ')}`);
  }
  lines.push('GET /metrics');
  for (const line of metrics.split('\n')) {
    if (/^driftd_(in_sync|repairs_total|recovered_rows_total|orphan_directories|dangling_rows|skipped_directories)\{/.test(line)) lines.push(`  ${line}`);
  }
  lines.push(`Look for yourself:  curl ${base}/status   curl ${base}/metrics   curl ${base}/readyz`);
  lines.push(`Open the status page in a browser: ${base}/   (the audit trail: curl ${base}/events, or ./driftd history --config config.example.json)`);
  lines.push(`The daemon keeps checking .demo/ModelForge: every 30 s, and at once when the database, the schema or the config changes. Ctrl-C stops it.`);
  lines.push('──────────────────────────────────────────────────────────────────');
  console.log(lines.join('\n'));
}
