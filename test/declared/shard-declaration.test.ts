import { describe, expect, it } from 'vitest';
import { declaredSchemaFromSql } from '../../src/declared/declared-schema-from-sql.js';
import { SHARD_THRESHOLD, shardDeclaration } from '../../src/declared/shard-declaration.js';
import { splitStatements, classifyStatement } from '../../src/declared/declaration-statements.js';
import { DriftdError } from '../../src/errors/driftd-error.js';

/**
 * A declaration large enough to be split, in the shapes that cross groups: implicit and explicit
 * foreign keys to tables in other groups, a view over two tables, triggers writing other tables,
 * an INSTEAD OF trigger on a view, mixed-case and quoted names, an index declared far from its table.
 */
function largeDeclaration(tables: number): string {
  const statements: string[] = [];
  for (let t = 0; t < tables; t++) {
    const parent = t === 0 ? '' : `, parent_id INTEGER REFERENCES T_${t - 1}, other_id INTEGER REFERENCES "t_${Math.floor(t / 2)}" (id) ON DELETE CASCADE`;
    statements.push(`CREATE TABLE ${t % 7 === 0 ? `"T_${t}"` : `T_${t}`} (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT 'x', n REAL DEFAULT 0.5 CHECK (n >= 0)${parent});`);
    statements.push(`CREATE INDEX t_${t}_name ON t_${t} (name COLLATE NOCASE, n DESC);`);
    if (t % 3 === 0) statements.push(`CREATE TRIGGER t_${t}_copy AFTER INSERT ON "t_${t}" BEGIN INSERT INTO t_${(t + 1) % tables} (name) VALUES (new.name); END;`);
    if (t % 5 === 0) statements.push(`CREATE VIEW v_${t} AS SELECT a.id, b.name FROM t_${t} AS a JOIN t_${(t + 3) % tables} AS b ON b.id = a.parent_id;`);
    if (t % 10 === 0) statements.push(`CREATE TRIGGER v_${t}_insert INSTEAD OF INSERT ON v_${t} BEGIN INSERT INTO t_${t} (name) VALUES (new.name); END;`);
  }
  // An index declared long after its table (another group's statements in between).
  statements.push(`CREATE UNIQUE INDEX t_1_late ON t_1 (name) WHERE name IS NOT NULL;`);
  return statements.join('\n');
}

describe('a large declaration split over several in-memory databases', () => {
  const text = largeDeclaration(400);

  it('is split (the test would prove nothing otherwise)', () => {
    const creates = splitStatements(text).map((statement) => ({ statement, action: classifyStatement(statement.tokens) }));
    const shards = shardDeclaration(creates.flatMap(({ statement, action }) => (action.action === 'create' ? [{ kind: action.kind, name: action.name, tokens: statement.tokens }] : [])));
    expect(creates.length).toBeGreaterThan(SHARD_THRESHOLD);
    expect(shards?.length).toBeGreaterThan(3);
    // Every index and trigger sits in the shard of its table or view.
    for (const shard of shards!) {
      const names = new Set(shard.filter((s) => s.kind === 'table' || s.kind === 'view').map((s) => s.name.toLowerCase()));
      for (const s of shard.filter((s) => s.kind === 'index' || s.kind === 'trigger')) {
        expect([...names].some((name) => new RegExp(`\\bON "?${name}"? `, 'i').test(s.tokens.map((token) => token.text).join(' ')))).toBe(true);
      }
    }
  });

  it('gives the same schema as one database: same tables in the same order, foreign keys resolved across groups', () => {
    const split = declaredSchemaFromSql(text, 'large.sql');
    const single = declaredSchemaFromSql(text, 'large.sql', { split: false });
    expect(split).toEqual(single);
    // The implicit REFERENCES T_{t-1} is the parent's primary key even when the parent was in another group.
    expect(split.tables[5]!.foreignKeys.map((key) => key.referencedColumns)).toEqual(expect.arrayContaining([['id'], ['id']]));
    expect(split.tables.map((table) => table.name).slice(0, 3)).toEqual(['T_0', 'T_1', 'T_2']);
  });

  const failure = (sql: string, split: boolean): string => {
    try {
      declaredSchemaFromSql(sql, 'large.sql', { split });
    } catch (error) {
      expect(error).toBeInstanceOf(DriftdError);
      return (error as DriftdError).toLine();
    }
    return 'no error';
  };

  it.each([
    ['an index before its table', `CREATE INDEX early ON t_399 (name);\n${text}`],
    ['an index on a table declared nowhere', `${text}\nCREATE INDEX stray ON nowhere (x);`],
    ['two tables of one name (case differs)', `${text}\nCREATE TABLE t_3 (x);`],
    ['an index named like a table', `${text}\nCREATE INDEX T_9 ON t_8 (name);`],
    ['a trigger on a table declared nowhere', `${text}\nCREATE TRIGGER stray AFTER INSERT ON nowhere BEGIN SELECT 1; END;`],
  ])('fails on %s with the error one database gives', (_, sql) => {
    const single = failure(sql, false);
    expect(single).toMatch(/^SCHEMA_SQL_ERROR: large\.sql:\d+: /);
    expect(failure(sql, true)).toBe(single);
  });

  it('IF NOT EXISTS on a name declared twice means what it means in one database', () => {
    const sql = `${text}\nCREATE TABLE IF NOT EXISTS t_7 (other TEXT);`;
    expect(declaredSchemaFromSql(sql, 'large.sql')).toEqual(declaredSchemaFromSql(sql, 'large.sql', { split: false }));
  });
});
