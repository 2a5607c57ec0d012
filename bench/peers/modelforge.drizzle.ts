// ModelForge 0.2.1's fine_tuned_models, written the way a drizzle user would declare it
// (the same table as schemas/modelforge.sql). Used by bench/peers.bench.mjs for `drizzle-kit push`.
import { sqliteTable, integer, text } from 'drizzle-orm/sqlite-core';

export const fineTunedModels = sqliteTable('fine_tuned_models', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  modelName: text('model_name').notNull(),
  baseModel: text('base_model').notNull(),
  task: text('task').notNull(),
  description: text('description'),
  creationDate: text('creation_date').notNull(),
  modelPath: text('model_path').notNull(),
  isCustomBaseModel: integer('is_custom_base_model', { mode: 'boolean' }).default(false),
});
