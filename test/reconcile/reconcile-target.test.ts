import { lutimesSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDatabase } from '../../src/check/check-database.js';
import { declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import { reconcileSettled, reconcileTarget } from '../../src/reconcile/reconcile-target.js';
import { nodeReconcileFs } from '../../src/reconcile/scan/node-reconcile-fs.js';
import type { ReconcileFs } from '../../src/reconcile/scan/reconcile-fs.js';
import type { ReconcileRule } from '../../src/reconcile/reconcile-target.js';
import { CURRENT_TABLE, LEGACY_TABLE, OLD, insertRow, makeWorkspace, modelforgeRule, rowsOf, writeModel, type Workspace } from './modelforge-fixture.js';

let workspace: Workspace | null = null;
afterEach(() => {
  workspace?.cleanup();
  workspace = null;
});
const open = (tableSql?: string): Workspace => (workspace = makeWorkspace(tableSql));
const run = (w: Workspace, mode: 'dry-run' | 'apply' = 'apply', extra: { now?: () => Date; fs?: ReconcileFs; rule?: ReturnType<typeof modelforgeRule> } = {}) =>
  reconcileTarget({ dbPath: w.dbPath, rules: [extra.rule ?? modelforgeRule(w.models)], mode, busyTimeoutMs: 2000, ...(extra.now ? { now: extra.now } : {}), ...(extra.fs ? { fs: extra.fs } : {}) }).then((reports) => reports[0]!);

describe('the seed: a database from before 0.2.1 and models that never got their row', () => {
  it('is blocked by drift until the column is repaired, then recovers every row from the files', async () => {
    const w = open(LEGACY_TABLE);
    const kept = writeModel(w.models, 'support-bot_0b7c', { base: 'EleutherAI/gpt-neo-1.3B' });
    insertRow(w.dbPath, 'support-bot_0b7c', kept);
    writeModel(w.models, 'summarizer_8e1f', { base: 'google/flan-t5-base', taskType: 'SEQ_2_SEQ_LM', pipelineTask: 'summarization', at: new Date('2025-06-03T11:02:00.000Z') });
    writeModel(w.models, 'faq_a1b2', { base: 'distilbert/distilbert-base-uncased', taskType: 'QUESTION_ANS', pipelineTask: 'question-answering' });
    writeModel(w.models, 'older_0a1b', { base: 'openai-community/gpt2', taskType: 'SEQ_2_SEQ_LM', pipelineTask: null });
    // Trainer checkpoints live beside models/, never under it: not rows.
    writeModel(join(w.dir, 'model_checkpoints', 'faq_a1b2'), 'checkpoint-500');

    const blocked = await run(w);
    expect(blocked.blockedBy).toBe('missing_column fine_tuned_models.is_custom_base_model');
    expect(blocked.orphans).toEqual([]);
    expect(reconcileSettled(blocked)).toBe(false);
    expect(rowsOf(w.dbPath)).toHaveLength(1);

    const declared = declaredSchemaFromSql(CURRENT_TABLE, 'modelforge.sql');
    const repaired = await checkDatabase({ dbPath: w.dbPath, declared, mode: 'repair', busyTimeoutMs: 2000 });
    expect(repaired.inSync).toBe(true);

    const report = await run(w);
    expect(report.blockedBy).toBeNull();
    expect(report.recovered.map((item) => item.directory).sort()).toEqual(['faq_a1b2', 'older_0a1b', 'summarizer_8e1f']);
    expect(reconcileSettled(report)).toBe(true);
    const rows = rowsOf(w.dbPath).filter((row) => row.model_name !== 'support-bot_0b7c');
    expect(rows.map(({ id: _id, ...row }) => row).sort((a, b) => String(a.model_name).localeCompare(String(b.model_name)))).toEqual([
      {
        model_name: 'faq_a1b2',
        base_model: 'distilbert/distilbert-base-uncased',
        task: 'extractive-question-answering',
        description: 'Fine-tuned distilbert/distilbert-base-uncased for extractive-question-answering',
        creation_date: OLD.toISOString(),
        model_path: join(w.models, 'faq_a1b2'),
        is_custom_base_model: 0,
      },
      {
        model_name: 'older_0a1b',
        base_model: 'openai-community/gpt2',
        task: 'summarization', // no modelforge_config.json: PEFT's task_type decides
        description: 'Fine-tuned openai-community/gpt2 for summarization',
        creation_date: OLD.toISOString(),
        model_path: join(w.models, 'older_0a1b'),
        is_custom_base_model: 0,
      },
      {
        model_name: 'summarizer_8e1f',
        base_model: 'google/flan-t5-base',
        task: 'summarization',
        description: 'Fine-tuned google/flan-t5-base for summarization',
        creation_date: '2025-06-03T11:02:00.000Z',
        model_path: join(w.models, 'summarizer_8e1f'),
        is_custom_base_model: 0,
      },
    ]);
  });

  it('is idempotent: a second round finds nothing and changes nothing', async () => {
    const w = open();
    writeModel(w.models, 'a_1');
    writeModel(w.models, 'b_2');
    expect((await run(w)).recovered).toHaveLength(2);
    const before = rowsOf(w.dbPath);
    const again = await run(w);
    expect(again.orphans).toEqual([]);
    expect(again.counts.matched).toBe(2);
    expect(reconcileSettled(again)).toBe(true);
    expect(rowsOf(w.dbPath)).toEqual(before);
  });

  it('dry-run lists the rows it would insert and inserts none', async () => {
    const w = open();
    writeModel(w.models, 'a_1');
    const report = await run(w, 'dry-run');
    expect(report.orphans.map((item) => item.values.model_name)).toEqual(['a_1']);
    expect(report.recovered).toEqual([]);
    expect(reconcileSettled(report)).toBe(false);
    expect(rowsOf(w.dbPath)).toEqual([]);
  });

  it.each([
    ['the table itself is missing', 'CREATE TABLE other (x)', 'missing_table fine_tuned_models'],
    [
      'the live table has a NOT NULL column the rule cannot fill',
      CURRENT_TABLE.replace('model_path TEXT NOT NULL', 'model_path TEXT NOT NULL, owner TEXT NOT NULL'),
      'extra_column fine_tuned_models.owner (NOT NULL without a default, not mapped)',
    ],
  ])('reports blockedBy when %s, and writes nothing', async (_label, tableSql, blocked) => {
    const w = open(tableSql);
    writeModel(w.models, 'a_1');
    const report = await run(w);
    expect(report.blockedBy).toBe(blocked);
    expect(report.recovered).toEqual([]);
  });
});

describe('matching rows to directories by canonical real path', () => {
  it.each([
    ['a relative path', (w: Workspace) => relative(w.dir, join(w.models, 'm_1')), (w: Workspace) => w.dir],
    ['a trailing slash', (w: Workspace) => `${join(w.models, 'm_1')}/`, (w: Workspace) => w.dir],
    ['a ./ and .. detour', (w: Workspace) => `${w.models}/./never-there/../m_1`, (w: Workspace) => w.dir],
  ])('a stored path with %s still matches its directory', async (_label, stored, relativeTo) => {
    const w = open();
    writeModel(w.models, 'm_1');
    insertRow(w.dbPath, 'm_1', stored(w));
    const report = await run(w, 'apply', { rule: modelforgeRule(w.models, { relativeTo: relativeTo(w) }) });
    expect(report.counts.matched).toBe(1);
    expect(report.orphans).toEqual([]);
    expect(report.dangling).toEqual([]);
    expect(rowsOf(w.dbPath)).toHaveLength(1);
  });

  it('a symlinked root matches rows stored through the link and through the real path', async () => {
    const w = open();
    writeModel(w.models, 'via-real_1');
    writeModel(w.models, 'via-link_2');
    writeModel(w.models, 'orphan_3');
    const link = join(w.dir, 'models-link');
    symlinkSync(w.models, link);
    insertRow(w.dbPath, 'via-real_1', join(w.models, 'via-real_1'));
    insertRow(w.dbPath, 'via-link_2', join(link, 'via-link_2'));
    const report = await run(w, 'apply', { rule: modelforgeRule(link) });
    expect(report.counts.matched).toBe(2);
    expect(report.recovered.map((item) => [item.directory, item.path])).toEqual([['orphan_3', join(link, 'orphan_3')]]);
  });

  it('a dangling row is reported and left alone', async () => {
    const w = open();
    insertRow(w.dbPath, 'gone_1', join(w.models, 'gone_1'));
    insertRow(w.dbPath, 'elsewhere_2', '/somewhere/else/elsewhere_2');
    const before = rowsOf(w.dbPath);
    const report = await run(w);
    expect(report.dangling).toEqual([{ rowid: 1, storedPath: join(w.models, 'gone_1') }]);
    expect(report.counts.elsewhere).toBe(1);
    expect(reconcileSettled(report)).toBe(true);
    expect(rowsOf(w.dbPath)).toEqual(before);
  });
});

describe('directories that are skipped, each with its reason', () => {
  it.each([
    ['malformed JSON', '{"base_model_name_or_path": "x", ', 'malformed-json'],
    ['an empty file', '', 'malformed-json'],
    ['a file over 1 MiB', JSON.stringify({ base_model_name_or_path: 'x', task_type: 'CAUSAL_LM', pad: 'x'.repeat(1024 * 1024) }), 'metadata-too-large'],
  ])('adapter_config.json with %s skips that directory; the rest proceed', async (_label, adapterText, reason) => {
    const w = open();
    writeModel(w.models, 'bad_1', { adapterText });
    writeModel(w.models, 'good_2');
    const report = await run(w);
    expect(report.skipped.map((skip) => [skip.directory, skip.reason])).toEqual([['bad_1', reason]]);
    expect(report.skipped[0]!.detail).toContain('adapter_config.json');
    expect(report.recovered.map((item) => item.directory)).toEqual(['good_2']);
    expect(reconcileSettled(report)).toBe(true);
    expect(reconcileSettled(report, { strict: true })).toBe(false);
  });

  it('never reads a metadata file over 1 MiB', async () => {
    const w = open();
    writeModel(w.models, 'big_1', { adapterText: `{"pad": "${'x'.repeat(1024 * 1024)}"}` });
    const reads: string[] = [];
    const fs: ReconcileFs = { ...nodeReconcileFs, readFileLimited: async (path, max) => {
      const result = await nodeReconcileFs.readFileLimited(path, max);
      if (result.kind === 'text') reads.push(path);
      return result;
    } };
    const report = await run(w, 'apply', { fs });
    expect(report.skipped[0]!.reason).toBe('metadata-too-large');
    expect(reads.filter((path) => path.endsWith('adapter_config.json'))).toEqual([]);
  });

  it('a directory that cannot be listed is skipped as unreadable; the rest proceed', async () => {
    const w = open();
    writeModel(w.models, 'vanishing_1');
    writeModel(w.models, 'good_2');
    // Replaced by a file right after the root listing: listing it fails with ENOTDIR.
    const fs: ReconcileFs = {
      ...nodeReconcileFs,
      readdir: async (path) => {
        const entries = await nodeReconcileFs.readdir(path);
        if (path === w.models) {
          rmSync(join(w.models, 'vanishing_1'), { recursive: true });
          writeFileSync(join(w.models, 'vanishing_1'), '');
        }
        return entries;
      },
    };
    const report = await run(w, 'apply', { fs });
    expect(report.skipped.map((skip) => [skip.directory, skip.reason])).toEqual([['vanishing_1', 'unreadable']]);
    expect(report.skipped[0]!.detail).toContain('ENOTDIR');
    expect(report.recovered.map((item) => item.directory)).toEqual(['good_2']);
  });

  it('a directory swapped for a symlink out of the root after the listing is not read through', async () => {
    const w = open();
    writeModel(w.models, 'swapped_1');
    writeModel(w.models, 'good_2');
    // Outside the root: a model directory whose metadata must never be read.
    const outside = join(w.dir, 'outside');
    mkdirSync(outside);
    writeModel(outside, 'secret_1');
    const reads: string[] = [];
    const fs: ReconcileFs = {
      ...nodeReconcileFs,
      readdir: async (path) => {
        const entries = await nodeReconcileFs.readdir(path);
        if (path === w.models) {
          rmSync(join(w.models, 'swapped_1'), { recursive: true });
          symlinkSync(join(outside, 'secret_1'), join(w.models, 'swapped_1'));
        }
        return entries;
      },
      readFileLimited: async (path, max) => {
        reads.push(path);
        return nodeReconcileFs.readFileLimited(path, max);
      },
    };
    const report = await run(w, 'apply', { fs });
    expect(report.skipped.map((skip) => [skip.directory, skip.reason])).toEqual([['swapped_1', 'symlink-outside-root']]);
    expect(reads.filter((path) => path.includes('swapped_1') || path.includes('secret_1'))).toEqual([]);
    expect(report.recovered.map((item) => item.directory)).toEqual(['good_2']);
  });

  it('a FIFO where a metadata file should be is skipped without blocking the scan', async () => {
    const w = open();
    const dir = writeModel(w.models, 'fifo_1', { pipelineTask: null });
    execFileSync('mkfifo', [join(dir, 'modelforge_config.json')]);
    lutimesSync(join(dir, 'modelforge_config.json'), OLD, OLD);
    utimesSync(dir, OLD, OLD);
    const report = await run(w);
    expect(report.skipped.map((skip) => [skip.directory, skip.reason])).toEqual([['fifo_1', 'metadata-not-a-file']]);
  });

  it('a required column with no value anywhere skips the directory and names the column', async () => {
    const w = open();
    writeModel(w.models, 'odd_1', { taskType: 'TOKEN_CLS', pipelineTask: null });
    const report = await run(w);
    expect(report.skipped).toHaveLength(1);
    expect(report.skipped[0]!.reason).toBe('unresolved-column');
    expect(report.skipped[0]!.detail).toContain('column "task"');
    expect(report.skipped[0]!.detail).toContain('TOKEN_CLS');
  });

  it('a directory without the marker files is no model: ignored, not skipped', async () => {
    const w = open();
    mkdirSync(join(w.models, '.tmp-upload'));
    const report = await run(w);
    expect(report.counts.unmarked).toBe(1);
    expect(report.skipped).toEqual([]);
    expect(reconcileSettled(report)).toBe(true);
  });

  it('settle time: a directory whose newest entry is younger than settleSeconds waits, then is recovered', async () => {
    const w = open();
    const writtenAt = new Date('2026-01-01T12:00:00.000Z');
    writeModel(w.models, 'training_1', { at: writtenAt });
    const later = (seconds: number) => () => new Date(writtenAt.getTime() + seconds * 1000);
    const early = await run(w, 'apply', { now: later(59) });
    expect(early.skipped.map((skip) => [skip.directory, skip.reason])).toEqual([['training_1', 'settling']]);
    expect(early.skipped[0]!.detail).toContain('settle time 60 s');
    expect(rowsOf(w.dbPath)).toEqual([]);
    const settled = await run(w, 'apply', { now: later(61) });
    expect(settled.recovered.map((item) => item.directory)).toEqual(['training_1']);
  });

  it('settle time looks at the newest entry, not only the directory', async () => {
    const w = open();
    const dir = writeModel(w.models, 'training_1');
    writeFileSync(join(dir, 'adapter_model.safetensors'), Buffer.alloc(32)); // still growing: mtime now
    const dirOnly = await run(w, 'dry-run', { now: () => new Date(Date.now() + 10_000) });
    expect(dirOnly.skipped[0]?.detail).toContain('adapter_model.safetensors');
  });

  it('a symlink pointing out of the root is skipped with its reason and never read', async () => {
    const w = open();
    const outside = mkdtempSync(join(tmpdir(), 'driftd-outside-'));
    try {
      writeModel(outside, 'secret_1');
      symlinkSync(join(outside, 'secret_1'), join(w.models, 'escape_1'));
      const dir = writeModel(w.models, 'leaky_2', { pipelineTask: null });
      symlinkSync(join(outside, 'secret_1', 'modelforge_config.json'), join(dir, 'modelforge_config.json'));
      lutimesSync(join(dir, 'modelforge_config.json'), OLD, OLD);
      utimesSync(dir, OLD, OLD);
      const touched: string[] = [];
      const fs: ReconcileFs = {
        ...nodeReconcileFs,
        readdir: async (path) => (touched.push(path), nodeReconcileFs.readdir(path)),
        readFileLimited: async (path, max) => (touched.push(path), nodeReconcileFs.readFileLimited(path, max)),
      };
      const report = await run(w, 'apply', { fs });
      expect(report.skipped.map((skip) => [skip.directory, skip.reason]).sort()).toEqual([
        ['escape_1', 'symlink-outside-root'],
        ['leaky_2', 'symlink-outside-root'],
      ]);
      expect(touched.filter((path) => path.startsWith(outside))).toEqual([]);
      expect(rowsOf(w.dbPath)).toEqual([]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('a symlink to a directory inside the root counts once, under the real directory', async () => {
    const w = open();
    writeModel(w.models, 'real_1');
    symlinkSync(join(w.models, 'real_1'), join(w.models, 'alias_1'));
    const report = await run(w);
    expect(report.recovered.map((item) => item.directory)).toEqual(['real_1']);
    expect((await run(w)).orphans).toEqual([]);
  });
});

describe('names are data, never SQL', () => {
  it.each([
    ["x'); DROP TABLE fine_tuned_models;--"],
    ['модель-ü_日本語_🤖'],
    ['quote"double\'single`back'],
    ['space and\ttab'],
  ])('a directory named %j is stored literally', async (name) => {
    const w = open();
    writeModel(w.models, name, { base: `base ${name}` });
    const report = await run(w);
    expect(report.recovered).toHaveLength(1);
    const rows = rowsOf(w.dbPath);
    expect(rows.map((row) => [row.model_name, row.base_model, row.model_path])).toEqual([[name, `base ${name}`, join(w.models, name)]]);
    expect((await run(w)).orphans).toEqual([]);
  });
});

describe('a round is one transaction', () => {
  it('a constraint failure rolls every insert of the round back', async () => {
    const w = open(CURRENT_TABLE.replace('model_name TEXT NOT NULL', "model_name TEXT NOT NULL CHECK (model_name NOT LIKE 'bad%')"));
    writeModel(w.models, 'a_good');
    writeModel(w.models, 'bad_1');
    const report = await run(w);
    expect(report.error).toMatchObject({ code: 'RECONCILE_INSERT_FAILED' });
    expect(report.recovered).toEqual([]);
    expect(reconcileSettled(report)).toBe(false);
    expect(rowsOf(w.dbPath)).toEqual([]);
  });

  it.each([
    ['does not exist', 'RECONCILE_ROOT_MISSING', (w: Workspace) => renameSync(w.models, `${w.models}-moved`)],
    ['is a file', 'RECONCILE_ROOT_UNREADABLE', (w: Workspace) => (rmSync(w.models, { recursive: true }), writeFileSync(w.models, ''))],
  ])('a root that %s is an error naming the rule', async (_label, code, spoil) => {
    const w = open();
    spoil(w);
    const report = await run(w);
    expect(report.error).toMatchObject({ code, message: expect.stringContaining('rule "models"') });
    expect(reconcileSettled(report)).toBe(false);
  });
});

describe('a failing rule never hides another rule\'s committed inserts', () => {
  it.each([
    ['after', (good: ReconcileRule, broken: ReconcileRule) => [good, broken]],
    ['before', (good: ReconcileRule, broken: ReconcileRule) => [broken, good]],
  ])('a rule whose root is missing, %s a rule that recovers a row: both are reported, the row is in', async (_order, arrange) => {
    const w = open();
    writeModel(w.models, 'poetry_1');
    const good = modelforgeRule(w.models, { name: 'models' });
    const broken = modelforgeRule(join(w.dir, 'gone'), { name: 'archived', relativeTo: join(w.dir, 'gone') });
    const reports = await reconcileTarget({ dbPath: w.dbPath, rules: arrange(good, broken), mode: 'apply', busyTimeoutMs: 2000 });
    const byRule = new Map(reports.map((report) => [report.rule, report]));
    expect(reports).toHaveLength(2);
    expect(byRule.get('models')).toMatchObject({ error: null, recovered: [{ directory: 'poetry_1' }] });
    expect(byRule.get('archived')).toMatchObject({ error: { code: 'RECONCILE_ROOT_MISSING', message: expect.stringContaining('rule "archived"') }, recovered: [] });
    expect(rowsOf(w.dbPath)).toHaveLength(1);
  });
});
