import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LEGACY_TABLE, rowsOf, writeModel } from '../reconcile/modelforge-fixture.js';
import { CLI, ROOT } from '../support/run-cli.js';
import { tempDir } from '../support/temp-db.js';

const CONFIG = join(ROOT, 'deploy/modelforge/config.json');

/**
 * A home directory as ModelForge before 0.2.1 leaves it — database without is_custom_base_model,
 * two models whose INSERT failed — and driftd installed into it as docs/operations.md says
 * (config and schema in ~/.config/driftd/).
 */
function modelforgeHome(dataHome: string | null): { home: string; data: string; config: string; env: NodeJS.ProcessEnv } {
  const home = tempDir('driftd-home-');
  const data = join(dataHome ?? join(home, '.local/share'), 'ModelForge');
  mkdirSync(join(data, 'database'), { recursive: true });
  mkdirSync(join(data, 'models'));
  const db = new Database(join(data, 'database/modelforge.sqlite'));
  db.exec(LEGACY_TABLE);
  db.close();
  writeModel(join(data, 'models'), 'legal-summarizer_8e1f2a3b', { base: 'google/flan-t5-base', taskType: 'SEQ_2_SEQ_LM', pipelineTask: 'summarization' });
  writeModel(join(data, 'models'), 'poetry-gpt_f0e1d2c3', { base: 'EleutherAI/gpt-neo-125m', pipelineTask: null });
  const configDir = join(home, '.config/driftd');
  mkdirSync(configDir, { recursive: true });
  copyFileSync(CONFIG, join(configDir, 'config.json'));
  copyFileSync(join(ROOT, 'schemas/modelforge.sql'), join(configDir, 'modelforge.sql'));
  // Only what the test sets: no XDG variable of the machine running the tests leaks in.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, ...(dataHome ? { XDG_DATA_HOME: dataHome } : {}) };
  return { home, data, config: join(configDir, 'config.json'), env };
}

function driftd(args: readonly string[], env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env, timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('deploy/modelforge/config.json in a ModelForge home', () => {
  it.each([
    ['XDG_DATA_HOME unset: ~/.local/share/ModelForge', null],
    ['XDG_DATA_HOME set elsewhere', 'elsewhere'],
  ])('%s: validates, then one cycle adds the column and recovers the lost models, with a backup in ~/.local/state', (_name, dataHomeKind) => {
    const dataHome = dataHomeKind === null ? null : tempDir('driftd-xdg-data-');
    const fx = modelforgeHome(dataHome);
    const validate = driftd(['validate', '--config', fx.config], fx.env);
    expect({ status: validate.status, stderr: validate.stderr }).toEqual({ status: 0, stderr: '' });

    const run = driftd(['run', '--config', fx.config, '--once', '--log-level', 'info'], fx.env);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const rows = rowsOf(join(fx.data, 'database/modelforge.sqlite'));
    expect(rows.map((row) => [row.model_name, row.base_model, row.task, row.is_custom_base_model, row.model_path])).toEqual([
      ['legal-summarizer_8e1f2a3b', 'google/flan-t5-base', 'summarization', 0, join(fx.data, 'models/legal-summarizer_8e1f2a3b')],
      ['poetry-gpt_f0e1d2c3', 'EleutherAI/gpt-neo-125m', 'text-generation', 0, join(fx.data, 'models/poetry-gpt_f0e1d2c3')],
    ]);
    expect(readdirSync(join(fx.home, '.local/state/driftd/backups'))).toEqual([expect.stringMatching(/^modelforge\.sqlite\.[0-9a-f]{12}\..+\.bak$/)]);
  });

  it('without HOME the problem names the variable and the config path, and nothing is touched', () => {
    const fx = modelforgeHome(null);
    const validate = driftd(['validate', '--config', fx.config], { PATH: process.env.PATH });
    expect(validate.status).toBe(2);
    expect(validate.stdout + validate.stderr).toContain('targets[0].database: cannot expand "$XDG_DATA_HOME/ModelForge/database/modelforge.sqlite": environment variable XDG_DATA_HOME is not set');
    expect(rowsOf(join(fx.data, 'database/modelforge.sqlite'))).toEqual([]);
  });

  it('maps models exactly as config.example.json does (one mapping to keep true)', () => {
    const example = JSON.parse(readFileSync(join(ROOT, 'config.example.json'), 'utf8')) as { targets: Array<{ reconcile: Array<Record<string, unknown>> }> };
    const shipped = JSON.parse(readFileSync(CONFIG, 'utf8')) as { targets: Array<{ reconcile: Array<Record<string, unknown>> }> };
    expect({ ...shipped.targets[0]!.reconcile[0], root: null }).toEqual({ ...example.targets[0]!.reconcile[0], root: null });
  });
});
