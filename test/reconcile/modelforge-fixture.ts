import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { reconcileRuleFormat, resolveRule, type ReconcileRule } from '../../src/reconcile/rule/reconcile-rule-format.js';
import { MODELFORGE_RULE_INPUT } from '../support/modelforge-rule.js';

/** ModelForge's table before 0.2.1: no is_custom_base_model. */
export const LEGACY_TABLE = readFileSync(new URL('../../demo/fixtures/modelforge-0.2.0.sql', import.meta.url), 'utf8').trim().replace(/;$/, '');

export const CURRENT_TABLE = LEGACY_TABLE.replace(/\n\)$/, ',\n  is_custom_base_model BOOLEAN DEFAULT 0\n)');

export interface Workspace {
  readonly dir: string;
  readonly models: string;
  readonly dbPath: string;
  cleanup(): void;
}

/** A temp ModelForge data dir: database/modelforge.sqlite (given table SQL) and an empty models/. */
export function makeWorkspace(tableSql: string = CURRENT_TABLE): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'driftd-reconcile-'));
  const models = join(dir, 'models');
  mkdirSync(models);
  mkdirSync(join(dir, 'database'));
  const dbPath = join(dir, 'database', 'modelforge.sqlite');
  const db = new Database(dbPath);
  db.exec(tableSql);
  db.close();
  return { dir, models, dbPath, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const OLD = new Date('2025-06-01T10:00:00.000Z');

export interface ModelSpec {
  readonly base?: string;
  readonly taskType?: string;
  /** modelforge_config.json's pipeline_task; null: the file is not written. */
  readonly pipelineTask?: string | null;
  /** Raw adapter_config.json text instead of the generated one. */
  readonly adapterText?: string;
  /** When the files and the directory were last modified; null: leave them at "now". */
  readonly at?: Date | null;
}

/** Writes one model directory as ModelForge does. */
export function writeModel(models: string, name: string, spec: ModelSpec = {}): string {
  const dir = join(models, name);
  mkdirSync(dir, { recursive: true });
  const files: string[] = ['adapter_config.json', 'adapter_model.safetensors'];
  writeFileSync(
    join(dir, 'adapter_config.json'),
    spec.adapterText ?? JSON.stringify({ base_model_name_or_path: spec.base ?? 'EleutherAI/gpt-neo-1.3B', task_type: spec.taskType ?? 'CAUSAL_LM', peft_type: 'LORA', r: 16 }),
  );
  writeFileSync(join(dir, 'adapter_model.safetensors'), Buffer.alloc(16));
  const pipelineTask = spec.pipelineTask === undefined ? 'text-generation' : spec.pipelineTask;
  if (pipelineTask !== null) {
    writeFileSync(join(dir, 'modelforge_config.json'), JSON.stringify({ model_class: 'AutoPeftModelForCausalLM', pipeline_task: pipelineTask }));
    files.push('modelforge_config.json');
  }
  const at = spec.at === undefined ? OLD : spec.at;
  if (at !== null) {
    for (const file of files) utimesSync(join(dir, file), at, at);
    utimesSync(dir, at, at);
  }
  return dir;
}

/** ModelForge's mapping as config.example.json ships it, rooted at `root` (stored relative paths resolve against it too). */
export function modelforgeRule(root: string, overrides: Partial<ReconcileRule> = {}): ReconcileRule {
  return { ...resolveRule(reconcileRuleFormat.parse(MODELFORGE_RULE_INPUT), () => root, root), ...overrides };
}

export function rowsOf(dbPath: string): Array<Record<string, unknown>> {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT * FROM fine_tuned_models ORDER BY id').all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

export function insertRow(dbPath: string, name: string, modelPath: string): void {
  const db = new Database(dbPath);
  try {
    db.prepare("INSERT INTO fine_tuned_models (model_name, base_model, task, creation_date, model_path) VALUES (?, 'b', 'text-generation', '2025-01-01T00:00:00', ?)").run(name, modelPath);
  } finally {
    db.close();
  }
}
