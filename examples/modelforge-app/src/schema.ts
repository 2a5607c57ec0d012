/**
 * The application's declared schema, kept in its code like ModelForge's own `CREATE TABLE IF NOT
 * EXISTS`: release 0.2.1 added `is_custom_base_model`; databases created before it lack it.
 */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS fine_tuned_models (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    model_name TEXT NOT NULL,
    base_model TEXT NOT NULL,
    task TEXT NOT NULL,
    description TEXT,
    creation_date TEXT NOT NULL,
    model_path TEXT NOT NULL,
    is_custom_base_model BOOLEAN DEFAULT 0
);
`;
