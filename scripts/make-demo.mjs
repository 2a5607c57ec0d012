// Lays out .demo/ModelForge/: a ModelForge data directory as the seed left it.
// The database predates 0.2.1 (no is_custom_base_model), so the app's INSERTs
// failed after training had written the model to disk: those directories have
// no row. Run by `npm run demo`; safe to rerun (it starts from scratch).
// `node scripts/make-demo.mjs DIR` lays it out in DIR instead (the status-page browser test does).
// The demo's audit journal (config.example.json's "audit.dir") is removed too, so a rerun does not
// show the last run's recoveries twice; `--journal DIR` names another journal directory to remove.
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const journalFlag = args.indexOf('--journal');
const journalArg = journalFlag >= 0 ? args.splice(journalFlag, 2)[1] : undefined;
const data = args[0] ? resolve(args[0]) : join(repo, '.demo', 'ModelForge');
// The journal of the demo's config when laying out the demo itself; a DIR of a test's own leaves journals alone.
const journal = journalArg
  ? resolve(journalArg)
  : args[0]
    ? null
    : resolve(repo, JSON.parse(readFileSync(join(repo, 'config.example.json'), 'utf8')).audit.dir);
const models = join(data, 'models');
const fixtures = join(repo, 'demo', 'fixtures', 'peft-output-sample');
const adapterTemplate = JSON.parse(readFileSync(join(fixtures, 'adapter_config.json'), 'utf8'));
const modelCard = readFileSync(join(fixtures, 'README.md'), 'utf8');

const MODEL_CLASS = { 'text-generation': 'AutoPeftModelForCausalLM', summarization: 'AutoPeftModelForSeq2SeqLM', 'question-answering': 'AutoPeftModelForQuestionAnswering' };
const TASK_TYPE = { 'text-generation': 'CAUSAL_LM', summarization: 'SEQ_2_SEQ_LM', 'question-answering': 'QUESTION_ANS' };
const TABLE_TASK = { 'text-generation': 'text-generation', summarization: 'summarization', 'question-answering': 'extractive-question-answering' };

/**
 * A tiny but valid safetensors file (https://github.com/huggingface/safetensors#format):
 * 8-byte little-endian header length, a JSON header, then the raw tensor bytes.
 */
function safetensors(seed) {
  const values = new Float32Array([seed, seed / 2, -seed, 0.25]);
  const header = JSON.stringify({
    __metadata__: { format: 'pt' },
    'base_model.model.transformer.h.0.attn.attention.q_proj.lora_A.weight': { dtype: 'F32', shape: [2, 2], data_offsets: [0, values.byteLength] },
  });
  // The header is padded with spaces to a multiple of 8 bytes, as the reference writer does.
  const padded = header.padEnd(Math.ceil(header.length / 8) * 8, ' ');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(padded)));
  return Buffer.concat([length, Buffer.from(padded), Buffer.from(values.buffer)]);
}

/** One final model directory as ModelForge writes it; `modelforgeConfig: false` = an older ModelForge that did not write it. */
function writeModel(dir, { base, pipelineTask, modelforgeConfig = true, corrupt = false }) {
  mkdirSync(dir, { recursive: true });
  const adapter = { ...adapterTemplate, base_model_name_or_path: base, task_type: TASK_TYPE[pipelineTask] };
  const adapterText = JSON.stringify(adapter, null, 2);
  // A crash mid-write leaves adapter_config.json cut short.
  writeFileSync(join(dir, 'adapter_config.json'), corrupt ? adapterText.slice(0, 200) : adapterText);
  writeFileSync(join(dir, 'adapter_model.safetensors'), safetensors(base.length));
  writeFileSync(join(dir, 'README.md'), modelCard.replace(/^base_model: .*$/m, `base_model: ${base}`));
  if (modelforgeConfig) writeFileSync(join(dir, 'modelforge_config.json'), JSON.stringify({ model_class: MODEL_CLASS[pipelineTask], pipeline_task: pipelineTask }));
}

/** Backdates a finished directory: its files, then the directory (writing files bumps it). */
function finishedAt(dir, iso, files) {
  const when = new Date(iso);
  for (const file of files) utimesSync(join(dir, file), when, when);
  utimesSync(dir, when, when);
}

rmSync(data, { recursive: true, force: true });
if (journal) rmSync(journal, { recursive: true, force: true });
mkdirSync(join(data, 'database'), { recursive: true });
mkdirSync(models, { recursive: true });

const kept = [
  { name: 'support-bot_0b7c3a52-6f0e-4c0a-9a43-2d1f7e5b8c11', base: 'EleutherAI/gpt-neo-1.3B', pipelineTask: 'text-generation', at: '2025-05-02T09:14:00.000Z' },
  { name: 'news-digest_5d2e9f40-1b3a-4e55-8c7d-9a0b1c2d3e4f', base: 'facebook/bart-base', pipelineTask: 'summarization', at: '2025-05-19T16:40:00.000Z' },
];
const orphans = [
  { name: 'legal-summarizer_8e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b', base: 'google/flan-t5-base', pipelineTask: 'summarization', at: '2025-06-03T11:02:00.000Z' },
  { name: 'faq-answerer_a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', base: 'distilbert/distilbert-base-uncased', pipelineTask: 'question-answering', at: '2025-06-07T08:30:00.000Z' },
  { name: 'poetry-gpt_f0e1d2c3-b4a5-4968-8776-655443322110', base: 'EleutherAI/gpt-neo-125m', pipelineTask: 'text-generation', at: '2025-06-11T21:15:00.000Z' },
  // Written by an older ModelForge without modelforge_config.json: the task comes from PEFT's task_type.
  { name: 'recipe-writer_0a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d', base: 'openai-community/gpt2', pipelineTask: 'text-generation', modelforgeConfig: false, at: '2025-06-14T13:45:00.000Z' },
];
const FILES = ['adapter_config.json', 'adapter_model.safetensors', 'README.md'];

for (const model of [...kept, ...orphans]) {
  const dir = join(models, model.name);
  writeModel(dir, model);
  finishedAt(dir, model.at, model.modelforgeConfig === false ? FILES : [...FILES, 'modelforge_config.json']);
}
// Training is still writing this one (mtime now): reconcile waits for it to settle.
writeModel(join(models, 'chat-helper_c9d8e7f6-a5b4-4c3d-8e2f-1a0b9c8d7e6f'), { base: 'EleutherAI/gpt-neo-1.3B', pipelineTask: 'text-generation' });
// Its adapter_config.json was cut short by a crash: reported, never guessed at.
const broken = join(models, 'broken-run_7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2918');
writeModel(broken, { base: 'facebook/bart-base', pipelineTask: 'summarization', corrupt: true });
finishedAt(broken, '2025-06-20T10:00:00.000Z', [...FILES, 'modelforge_config.json']);
// Trainer checkpoints live outside models/: never rows, never scanned.
const checkpoint = join(data, 'model_checkpoints', 'poetry-gpt_f0e1d2c3-b4a5-4968-8776-655443322110', 'checkpoint-500');
writeModel(checkpoint, { base: 'EleutherAI/gpt-neo-125m', pipelineTask: 'text-generation', modelforgeConfig: false });
writeFileSync(join(checkpoint, 'trainer_state.json'), JSON.stringify({ global_step: 500, epoch: 1.0 }));

// The database as ModelForge created it before 0.2.1: no is_custom_base_model column.
const db = new Database(join(data, 'database', 'modelforge.sqlite'));
db.exec(readFileSync(new URL('../demo/fixtures/modelforge-0.2.0.sql', import.meta.url), 'utf8'));
const insert = db.prepare('INSERT INTO fine_tuned_models (model_name, base_model, task, description, creation_date, model_path) VALUES (?, ?, ?, ?, ?, ?)');
// An old experiment whose directory was deleted by hand: its row dangles.
const gone = { name: 'old-experiment_11111111-2222-4333-8444-555555555555', base: 'EleutherAI/gpt-neo-125m', pipelineTask: 'text-generation', at: '2025-04-01T12:00:00.000Z' };
for (const [index, model] of [gone, ...kept].entries()) {
  const task = TABLE_TASK[model.pipelineTask];
  // The second kept row was stored with a trailing slash: it still matches its directory.
  const path = join(models, model.name) + (index === 2 ? '/' : '');
  insert.run(model.name, model.base, task, `Fine-tuned ${model.base} for ${task}`, model.at.replace('Z', ''), path);
}
db.close();

console.log(`demo: laid out ${data}`);
console.log(`  database/modelforge.sqlite  3 rows, table from before 0.2.1 (no is_custom_base_model)`);
console.log(`  models/                     ${kept.length} directories with rows, ${orphans.length} without (lost inserts), 1 still being written, 1 with a corrupt adapter_config.json`);
console.log(`  model_checkpoints/          trainer checkpoints: not models, never recovered`);
console.log(`  1 row whose directory is gone (dangling)`);
