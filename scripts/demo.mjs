// `npm run demo`: build, lay out the seed's ModelForge data directory, then
// show what driftd does with it: repair the missing column, recover the rows.
// Both commands always run and print; exit 1 from them means "found
// something" (the demo has skipped directories on purpose), so only exit 2
// (an error) fails the demo.
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const run = (title, command, args) => {
  if (title) console.log(`\n$ ${title}`);
  const result = spawnSync(command, args, { cwd: repo, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 2;
};

let worst = 0;
if (run(null, 'npm', ['run', '--silent', 'build']) !== 0) process.exit(2);
if (run('node scripts/make-demo.mjs', process.execPath, ['scripts/make-demo.mjs']) !== 0) process.exit(2);
worst = Math.max(worst, run('driftd repair --config config.example.json', process.execPath, ['dist/cli/main.js', 'repair', '--config', 'config.example.json']));
worst = Math.max(worst, run('driftd reconcile --config config.example.json', process.execPath, ['dist/cli/main.js', 'reconcile', '--config', 'config.example.json']));
console.log(
  worst >= 2
    ? '\ndemo: driftd reported an error (exit 2)'
    : '\ndemo: done. Exit 1 from reconcile is expected: one directory is still being written and one has a corrupt adapter_config.json.\n' +
        'Inspect with: sqlite3 .demo/ModelForge/database/modelforge.sqlite "SELECT * FROM fine_tuned_models"',
);
process.exit(worst >= 2 ? 2 : 0);
