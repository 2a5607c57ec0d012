import type Database from 'better-sqlite3';

export interface FineTunedModel {
  readonly modelName: string;
  readonly baseModel: string;
  readonly task: string;
  readonly description: string | null;
  readonly modelPath: string;
  readonly isCustomBaseModel: boolean;
}

/** The insert ModelForge 0.2.1 runs after a training run: all eight columns, the new one included. */
export function insertModel(db: Database.Database, model: FineTunedModel, now: Date): number {
  const result = db
    .prepare(
      `INSERT INTO fine_tuned_models (model_name, base_model, task, description, creation_date, model_path, is_custom_base_model)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(model.modelName, model.baseModel, model.task, model.description, now.toISOString(), model.modelPath, model.isCustomBaseModel ? 1 : 0);
  return Number(result.lastInsertRowid);
}

export function countModels(db: Database.Database): number {
  return (db.prepare('SELECT count(*) AS n FROM fine_tuned_models').get() as { n: number }).n;
}
