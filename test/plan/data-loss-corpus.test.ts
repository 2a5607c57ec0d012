// The field's known data-loss cases of table rebuilds, written from the issue threads (issue 15):
// each is a real database run through `driftd plan` + `driftd apply`, and every table's content —
// SQLite's own (sqlite_sequence) and FTS shadow tables included — is compared before and after.
// Debian's sqlite3 shell then opens and reads every database.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createDatabase, tempDir } from '../support/temp-db.js';
import { backupsIn, contents, driftd, inDatabase, schemaText, shellReadsEverything } from './plan-support.js';

interface CorpusCase {
  readonly name: string;
  /** Where the case comes from. */
  readonly from: string;
  readonly live: string;
  readonly declared: string;
  /** "table.column" whose values the declaration converts (compared by value, not storage class). */
  readonly loose?: readonly string[];
  /** Tables the declaration makes WITHOUT ROWID (compared by their columns only). */
  readonly withoutRowids?: readonly string[];
  /** Tables the plan must rebuild. */
  readonly rebuilds: readonly string[];
  /** What the application sees afterwards. */
  readonly after?: (db: Database.Database) => void;
}

const CASES: readonly CorpusCase[] = [
  {
    name: 'a parent with ON DELETE CASCADE children and grandchildren',
    from: 'drizzle-orm#4938, #5469, openstory#612: the rebuild dropped the parent with foreign keys on and the cascade wiped the children',
    live: `
      CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, karma REAL);
      CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, body TEXT);
      CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER REFERENCES posts(id) ON DELETE CASCADE, user_id INTEGER REFERENCES users(id) ON DELETE SET NULL, body TEXT);
      INSERT INTO users VALUES (1, 'a@x', 1.0), (2, 'b@x', 20.0), (3, 'c@x', NULL);
      INSERT INTO posts VALUES (10, 1, 'p1'), (11, 1, 'p2'), (12, 2, 'p3');
      INSERT INTO comments VALUES (100, 10, 2, 'c1'), (101, 12, 3, 'c2'), (102, 11, 1, 'c3');`,
    declared: `
      CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, karma INTEGER);
      CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, body TEXT);
      CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER REFERENCES posts(id) ON DELETE CASCADE, user_id INTEGER REFERENCES users(id) ON DELETE SET NULL, body TEXT);`,
    loose: ['users.karma'],
    rebuilds: ['users'],
    after: (db) => {
      expect(db.prepare("SELECT typeof(karma) AS t FROM users WHERE id = 2").get()).toEqual({ t: 'integer' });
      // The cascade still works: the application's foreign keys are intact.
      db.pragma('foreign_keys = ON');
      db.prepare('DELETE FROM users WHERE id = 2').run();
      expect(db.prepare('SELECT count(*) AS n FROM posts WHERE user_id = 2').get()).toEqual({ n: 0 });
    },
  },
  {
    name: 'AUTOINCREMENT with the top ids deleted',
    from: 'rebuilds that forget sqlite_sequence re-issue AUTOINCREMENT ids',
    live: `
      CREATE TABLE tickets (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT, price TEXT);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) INSERT INTO tickets (title, price) SELECT 'ticket ' || i, (i * 1.5) FROM n;
      DELETE FROM tickets WHERE id > 7;`,
    declared: `CREATE TABLE tickets (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT, price REAL);`,
    loose: ['tickets.price'],
    rebuilds: ['tickets'],
    after: (db) => {
      expect(db.prepare("SELECT seq, typeof(seq) AS t FROM sqlite_sequence WHERE name = 'tickets'").get()).toEqual({ seq: 10, t: 'integer' });
      expect(db.prepare("INSERT INTO tickets (title, price) VALUES ('new', 1)").run().lastInsertRowid).toBe(11);
    },
  },
  {
    name: 'triggers and views on the table (and a view over the view)',
    from: 'simonw/sqlite-utils#849, #854: transform() silently dropped triggers',
    live: `
      CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, qty TEXT, price REAL);
      CREATE TABLE order_log (id INTEGER PRIMARY KEY, order_id INTEGER, what TEXT);
      CREATE TRIGGER orders_ai AFTER INSERT ON orders BEGIN INSERT INTO order_log (order_id, what) VALUES (new.id, 'insert'); END;
      CREATE TRIGGER orders_bu BEFORE UPDATE OF qty ON orders WHEN new.qty < 0 BEGIN SELECT RAISE(ABORT, 'negative qty'); END;
      CREATE VIEW order_totals AS SELECT customer, sum(qty * price) AS total FROM orders GROUP BY customer;
      CREATE VIEW big_customers AS SELECT customer FROM order_totals WHERE total > 10;
      CREATE TRIGGER order_totals_io INSTEAD OF DELETE ON order_totals BEGIN DELETE FROM orders WHERE customer = old.customer; END;
      INSERT INTO orders VALUES (1, 'ann', '2', 3.5), (2, 'bob', '10', 1.25), (3, 'ann', '7', 2.0);`,
    declared: `
      CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, qty INTEGER, price REAL);
      CREATE TABLE order_log (id INTEGER PRIMARY KEY, order_id INTEGER, what TEXT);
      CREATE TRIGGER orders_ai AFTER INSERT ON orders BEGIN INSERT INTO order_log (order_id, what) VALUES (new.id, 'insert'); END;
      CREATE TRIGGER orders_bu BEFORE UPDATE OF qty ON orders WHEN new.qty < 0 BEGIN SELECT RAISE(ABORT, 'negative qty'); END;
      CREATE VIEW order_totals AS SELECT customer, sum(qty * price) AS total FROM orders GROUP BY customer;
      CREATE VIEW big_customers AS SELECT customer FROM order_totals WHERE total > 10;
      CREATE TRIGGER order_totals_io INSTEAD OF DELETE ON order_totals BEGIN DELETE FROM orders WHERE customer = old.customer; END;`,
    loose: ['orders.qty'],
    rebuilds: ['orders'],
    after: (db) => {
      expect(db.prepare('SELECT * FROM order_totals ORDER BY customer').all()).toEqual([
        { customer: 'ann', total: 21 },
        { customer: 'bob', total: 12.5 },
      ]);
      expect(db.prepare('SELECT * FROM big_customers ORDER BY customer').all()).toEqual([{ customer: 'ann' }, { customer: 'bob' }]);
      db.prepare("INSERT INTO orders (customer, qty, price) VALUES ('cy', 1, 1)").run();
      expect(db.prepare("SELECT what FROM order_log WHERE order_id = 4").get()).toEqual({ what: 'insert' });
      expect(() => db.prepare('UPDATE orders SET qty = -1 WHERE id = 1').run()).toThrow(/negative qty/);
      db.prepare("DELETE FROM order_totals WHERE customer = 'bob'").run();
      expect(db.prepare("SELECT count(*) AS n FROM orders WHERE customer = 'bob'").get()).toEqual({ n: 0 });
    },
  },
  {
    name: 'an external-content FTS5 index with its sync triggers, over implicit rowids with gaps',
    from: 'fts5.html#external_content_tables: the index holds rowids; a rebuild that renumbers them points every match at the wrong row',
    live: `
      CREATE TABLE docs (title TEXT, body TEXT, weight TEXT);
      CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, content='docs', content_rowid='rowid');
      CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN INSERT INTO docs_fts (rowid, title, body) VALUES (new.rowid, new.title, new.body); END;
      CREATE TRIGGER docs_ad AFTER DELETE ON docs BEGIN INSERT INTO docs_fts (docs_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body); END;
      CREATE TRIGGER docs_au AFTER UPDATE ON docs BEGIN INSERT INTO docs_fts (docs_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body); INSERT INTO docs_fts (rowid, title, body) VALUES (new.rowid, new.title, new.body); END;
      INSERT INTO docs VALUES ('alpha', 'the quick brown fox', '1'), ('beta', 'jumps over', '2'), ('gamma', 'the lazy dog', '3'), ('delta', 'quick thinking', '4');
      DELETE FROM docs WHERE title IN ('alpha', 'beta');`,
    declared: `
      CREATE TABLE docs (title TEXT, body TEXT, weight INTEGER);
      CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, content='docs', content_rowid='rowid');
      CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN INSERT INTO docs_fts (rowid, title, body) VALUES (new.rowid, new.title, new.body); END;
      CREATE TRIGGER docs_ad AFTER DELETE ON docs BEGIN INSERT INTO docs_fts (docs_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body); END;
      CREATE TRIGGER docs_au AFTER UPDATE ON docs BEGIN INSERT INTO docs_fts (docs_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body); INSERT INTO docs_fts (rowid, title, body) VALUES (new.rowid, new.title, new.body); END;`,
    loose: ['docs.weight'],
    rebuilds: ['docs'],
    after: (db) => {
      expect(db.prepare("SELECT rowid, title FROM docs_fts WHERE docs_fts MATCH 'quick' ORDER BY rowid").all()).toEqual([{ rowid: 4, title: 'delta' }]);
      db.prepare("INSERT INTO docs_fts (docs_fts, rank) VALUES ('integrity-check', 1)").run();
      db.prepare("INSERT INTO docs VALUES ('eps', 'quick again', 5)").run();
      expect(db.prepare("SELECT title FROM docs_fts WHERE docs_fts MATCH 'quick' ORDER BY rowid").all()).toEqual([{ title: 'delta' }, { title: 'eps' }]);
      db.prepare("INSERT INTO docs_fts (docs_fts, rank) VALUES ('integrity-check', 1)").run();
    },
  },
  {
    name: "a table named by other tables' foreign keys (and by its own)",
    from: 'drizzle-orm#1313: a rebuild that renamed the old table aside left foreign keys pointing at __old_push_* tables',
    live: `
      CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT, mentor_id INTEGER REFERENCES authors(id));
      CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES authors(id) ON UPDATE CASCADE, title TEXT);
      CREATE TABLE reviews (book_id INTEGER, author_id INTEGER, FOREIGN KEY (author_id) REFERENCES authors(id));
      INSERT INTO authors VALUES (1, 'Le Guin', NULL), (2, 'Delany', 1);
      INSERT INTO books VALUES (1, 1, 'The Dispossessed'), (2, 2, 'Dhalgren');
      INSERT INTO reviews VALUES (1, 2), (2, 1);`,
    declared: `
      CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE, mentor_id INTEGER REFERENCES authors(id));
      CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES authors(id) ON UPDATE CASCADE, title TEXT);
      CREATE TABLE reviews (book_id INTEGER, author_id INTEGER, FOREIGN KEY (author_id) REFERENCES authors(id));`,
    rebuilds: ['authors'],
    after: (db) => {
      for (const child of ['books', 'reviews', 'authors']) {
        expect(db.prepare('SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)').all(child)).toEqual([{ table: 'authors' }]);
      }
      expect(db.prepare("SELECT name FROM sqlite_schema WHERE sql LIKE '%old%' OR name LIKE 'driftd%' OR sql LIKE '%driftd%'").all()).toEqual([]);
      expect(db.prepare("SELECT id FROM authors WHERE name = 'le guin'").get()).toEqual({ id: 1 });
    },
  },
  {
    name: 'a partial, an expression and a partial UNIQUE index',
    from: 'rebuilds that re-create indexes from introspected columns lose WHERE clauses and expressions',
    live: `
      CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, payload TEXT, at TEXT);
      CREATE INDEX events_errors ON events (at) WHERE kind = 'error';
      CREATE INDEX events_kind_lower ON events (lower(kind), json_extract(payload, '$.user'));
      CREATE UNIQUE INDEX events_once ON events (kind, at) WHERE at IS NOT NULL;
      INSERT INTO events VALUES (1, 'error', '{"user": 1}', '1700000000'), (2, 'Info', '{"user": 2}', '1700000001'), (3, 'error', '{}', NULL);`,
    declared: `
      CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, payload TEXT, at INTEGER);
      CREATE INDEX events_errors ON events (at) WHERE kind = 'error';
      CREATE INDEX events_kind_lower ON events (lower(kind), json_extract(payload, '$.user'));
      CREATE UNIQUE INDEX events_once ON events (kind, at) WHERE at IS NOT NULL;`,
    loose: ['events.at'],
    rebuilds: ['events'],
    after: (db) => {
      // INDEXED BY fails to prepare unless the partial index exists with its WHERE clause and serves the query.
      expect(db.prepare("SELECT id FROM events INDEXED BY events_errors WHERE kind = 'error' AND at > 0").all()).toEqual([{ id: 1 }]);
      expect(db.prepare("SELECT id FROM events INDEXED BY events_kind_lower WHERE lower(kind) = 'info' AND json_extract(payload, '$.user') = 2").all()).toEqual([{ id: 2 }]);
      expect(() => db.prepare("INSERT INTO events (kind, at) VALUES ('error', 1700000000)").run()).toThrow(/UNIQUE/);
    },
  },
  {
    name: 'STRICT and WITHOUT ROWID table options, a new PRIMARY KEY, a new UNIQUE and a new foreign key',
    from: 'the kinds "needs a table rebuild" covers: table_option, column_primary_key, unique_constraint, foreign_key',
    live: `
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);
      CREATE TABLE metrics (name TEXT, n INTEGER);
      CREATE TABLE kv (k TEXT, v TEXT);
      CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT);
      CREATE TABLE logins (account_id INTEGER, at INTEGER);
      INSERT INTO settings VALUES ('theme', 'dark'), ('lang', 'en');
      INSERT INTO metrics VALUES ('a', 1), ('b', 2);
      INSERT INTO kv VALUES ('x', '1'), ('y', '2');
      INSERT INTO accounts VALUES (1, 'a@x'), (2, 'b@x');
      INSERT INTO logins VALUES (1, 100), (2, 200), (NULL, 300);`,
    declared: `
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
      CREATE TABLE metrics (name TEXT, n INTEGER) STRICT;
      CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT);
      CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT UNIQUE);
      CREATE TABLE logins (account_id INTEGER REFERENCES accounts(id), at INTEGER);`,
    rebuilds: ['settings', 'metrics', 'kv', 'accounts', 'logins'],
    withoutRowids: ['settings'],
    after: (db) => {
      expect(db.prepare("SELECT wr, strict FROM pragma_table_list WHERE name = 'settings'").get()).toEqual({ wr: 1, strict: 0 });
      expect(() => db.prepare("INSERT INTO metrics VALUES ('c', 'not a number')").run()).toThrow(/cannot store TEXT value in INTEGER column/);
      expect(() => db.prepare("INSERT INTO accounts (email) VALUES ('a@x')").run()).toThrow(/UNIQUE/);
    },
  },
];

describe('the data-loss corpus: plan + apply keep every row of every table', () => {
  const dir = tempDir('driftd-plan-corpus-');

  it.each(CASES.map((c, i) => [c.name, i] as const))('%s', async (_name, index) => {
    const corpusCase = CASES[index]!;
    const home = join(dir, `home-${index}`);
    const dbPath = createDatabase(dir, corpusCase.live, { name: `case-${index}.db` });
    const schemaPath = join(dir, `case-${index}.sql`);
    writeFileSync(schemaPath, corpusCase.declared);
    const planPath = join(dir, `case-${index}.plan.json`);
    const before = contents(dbPath, corpusCase.loose, corpusCase.withoutRowids);
    const schemaBefore = schemaText(dbPath);

    const planned = await driftd(home, ['plan', '--db', dbPath, '--schema', schemaPath, '--out', planPath]);
    expect(planned.stderr).toBe('');
    expect(planned.code).toBe(0);
    const plan = JSON.parse(readFileSync(planPath, 'utf8'));
    expect(plan.tables.map((t: { table: string }) => t.table).sort()).toEqual([...corpusCase.rebuilds].sort());
    // `plan` reads only: the database is as it was.
    expect(schemaText(dbPath)).toBe(schemaBefore);

    const applied = await driftd(home, ['apply', planPath]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(contents(dbPath, corpusCase.loose, corpusCase.withoutRowids)).toEqual(before);
    // In sync with the declaration now, by driftd's own check.
    const checked = await driftd(home, ['check', '--db', dbPath, '--schema', schemaPath]);
    expect(checked.stdout).toContain('in sync');
    expect(checked.code).toBe(0);
    // The verified backup holds the database as it was.
    const [backup] = backupsIn(home);
    expect(backup).toMatch(/\.pre-apply\.bak$/);
    expect(schemaText(join(home, '.local/state/driftd/backups', backup!))).toBe(schemaBefore);
    expect(contents(join(home, '.local/state/driftd/backups', backup!), corpusCase.loose, corpusCase.withoutRowids)).toEqual(before);
    expect(shellReadsEverything(dbPath).split('\n')[0]).toBe('ok');
    if (corpusCase.after) inDatabase(dbPath, corpusCase.after);
  });
});

describe('a conversion that would change stored values is refused at plan time, with the count and rowids', () => {
  const dir = tempDir('driftd-plan-refuse-');
  const REFUSED: readonly { name: string; live: string; declared: string; message: RegExp }[] = [
    {
      name: 'REAL 2.5 → INTEGER',
      live: 'CREATE TABLE m (v REAL); INSERT INTO m VALUES (1.0), (2.5), (3.75), (4.0);',
      declared: 'CREATE TABLE m (v INTEGER);',
      message: /"m"\."v": 2 rows hold a REAL with a fraction, which the declared INTEGER cannot hold as an integer \(rowids 2, 3\)/,
    },
    {
      name: 'text that is not a number → INTEGER in a STRICT table',
      live: "CREATE TABLE s (n TEXT); INSERT INTO s VALUES ('1'), ('abc'), ('2'), ('x2');",
      declared: 'CREATE TABLE s (n INTEGER) STRICT;',
      message: /"s"\."n": 2 rows hold values the STRICT type INTEGER refuses \(rowids 2, 4\)/,
    },
    {
      name: 'text that would not read back the same → INTEGER',
      live: "CREATE TABLE z (code TEXT); INSERT INTO z VALUES ('12'), ('012'), ('1e3');",
      declared: 'CREATE TABLE z (code INTEGER);',
      message: /"z"\."code": 2 rows would change value converted from TEXT to INTEGER \(rowids 2, 3\)/,
    },
    {
      name: 'duplicates under a new UNIQUE',
      live: "CREATE TABLE u (email TEXT); INSERT INTO u VALUES ('a@x'), ('b@x'), ('A@x'), ('a@x'), (NULL), (NULL);",
      declared: 'CREATE TABLE u (email TEXT COLLATE NOCASE UNIQUE);',
      message: /"u": 3 rows share values under the declared UNIQUE \(email\) \(rowids 1, 3, 4\)/,
    },
    {
      name: 'NULLs under a new NOT NULL',
      live: "CREATE TABLE n (name TEXT, nick TEXT); INSERT INTO n VALUES ('a', 'x'), ('b', NULL), ('c', NULL);",
      declared: "CREATE TABLE n (name TEXT, nick TEXT NOT NULL DEFAULT '');",
      message: /"n"\."nick": 2 rows hold NULL under the declared NOT NULL \(rowids 2, 3\)/,
    },
    {
      name: 'a CHECK declared with a type change (a NULL passes it)',
      live: "CREATE TABLE c (qty REAL, note TEXT); INSERT INTO c VALUES (1.0, 'a'), (0.0, 'b'), (-2.0, 'c'), (NULL, 'd'), (5.0, 'e');",
      declared: 'CREATE TABLE c (qty INTEGER CHECK (qty > 0), note TEXT);',
      message: /"c": 2 rows violate the declared CHECK \(qty > 0\) \(rowids 2, 3\)/,
    },
    {
      name: 'a named table CHECK, judged under the declared collation',
      live: "CREATE TABLE k (code TEXT, n REAL); INSERT INTO k VALUES ('abc', 1.0), ('ABC', 2.0), ('x', 3.0);",
      declared: "CREATE TABLE k (code TEXT COLLATE NOCASE, n INTEGER, CONSTRAINT code_not_abc CHECK (code <> 'abc'));",
      message: /"k": 2 rows violate the declared CONSTRAINT code_not_abc CHECK \(code <> 'abc'\) \(rowids 1, 2\)/,
    },
    {
      name: 'a CHECK of an added column at its default, qualified by the table name',
      live: 'CREATE TABLE a (v REAL); INSERT INTO a VALUES (-1.0), (1.0), (2.0);',
      declared: 'CREATE TABLE a (v INTEGER, w INTEGER DEFAULT 0 CHECK (a.w > v));',
      message: /"a": 2 rows violate the declared CHECK \(a\.w > v\) \(rowids 2, 3\)/,
    },
    {
      name: 'duplicate ids under a new INTEGER PRIMARY KEY',
      live: "CREATE TABLE t (id INTEGER, name TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b'), (1, 'c'), (3, 'd'), (2, 'e'), (1, 'f');",
      declared: 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);',
      message: /"t": 5 rows share values under the declared INTEGER PRIMARY KEY \(id\) \(rowids 1, 3, 6, 2, 5\)/,
    },
    {
      name: 'duplicates under an INTEGER PRIMARY KEY moved to another column',
      live: "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, name TEXT); INSERT INTO t VALUES (4, 7, 'a'), (5, 7, 'b'), (6, 8, 'c');",
      declared: 'CREATE TABLE t (id INTEGER, n INTEGER PRIMARY KEY, name TEXT);',
      message: /"t": 2 rows share values under the declared INTEGER PRIMARY KEY \(n\) \(rowids 4, 5\)/,
    },
    {
      name: 'NULL ids under a new INTEGER PRIMARY KEY (SQLite would number them)',
      live: "CREATE TABLE t (id INTEGER, name TEXT); INSERT INTO t VALUES (1, 'a'), (NULL, 'b'), (NULL, 'c');",
      declared: 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);',
      message: /"t"\."id": 2 rows hold a NULL or non-integer value, which the declared INTEGER PRIMARY KEY would renumber or refuse \(rowids 2, 3\)/,
    },
    {
      name: 'a text id under a new INTEGER PRIMARY KEY',
      live: "CREATE TABLE t (id, name TEXT); INSERT INTO t VALUES (1, 'a'), ('x', 'b');",
      declared: 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);',
      message: /"t"\."id": 1 row hold a NULL or non-integer value/,
    },
    {
      name: 'a column the declaration lacks (the rebuild would drop it)',
      live: "CREATE TABLE d (a TEXT, legacy TEXT); INSERT INTO d VALUES ('1', 'keep me');",
      declared: 'CREATE TABLE d (a INTEGER);',
      message: /would drop the undeclared column "legacy" and the data in it/,
    },
    {
      name: 'a stored column the declaration makes generated',
      live: "CREATE TABLE g (a INTEGER, b INTEGER); INSERT INTO g VALUES (1, 99);",
      declared: 'CREATE TABLE g (a INTEGER, b INTEGER GENERATED ALWAYS AS (a * 2) STORED);',
      message: /would replace the values stored there with computed ones/,
    },
  ];

  it.each(REFUSED.map((c, i) => [c.name, i] as const))('%s', async (_name, index) => {
    const refusal = REFUSED[index]!;
    const dbPath = createDatabase(dir, refusal.live, { name: `refused-${index}.db` });
    const schemaPath = join(dir, `refused-${index}.sql`);
    writeFileSync(schemaPath, refusal.declared);
    const planPath = join(dir, `refused-${index}.plan.json`);
    const before = contents(dbPath);
    const run = await driftd(join(dir, 'home'), ['plan', '--db', dbPath, '--schema', schemaPath, '--out', planPath]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('PLAN_REFUSED');
    expect(run.stderr).toMatch(refusal.message);
    expect(existsSync(planPath)).toBe(false);
    expect(contents(dbPath)).toEqual(before);
  });

  it('a CHECK every row passes (a NULL included), on the converted values, is planned and applied', async () => {
    const dbPath = createDatabase(dir, "CREATE TABLE p (qty REAL, tag TEXT); INSERT INTO p VALUES (1.0, 'A'), (NULL, 'b'), (7.0, 'C');", { name: 'check-passes.db' });
    const schemaPath = join(dir, 'check-passes.sql');
    writeFileSync(schemaPath, "CREATE TABLE p (qty INTEGER CHECK (typeof(qty) IN ('integer', 'null')), tag TEXT COLLATE NOCASE CHECK (tag <> 'D'));");
    const planPath = join(dir, 'check-passes.plan.json');
    const home = join(dir, 'home-check');
    const before = contents(dbPath, ['p.qty']);
    const planned = await driftd(home, ['plan', '--db', dbPath, '--schema', schemaPath, '--out', planPath]);
    expect(planned.stderr).toBe('');
    expect(planned.code).toBe(0);
    expect((await driftd(home, ['apply', planPath])).code).toBe(0);
    expect(contents(dbPath, ['p.qty'])).toEqual(before);
    expect(shellReadsEverything(dbPath).split('\n')[0]).toBe('ok');
    const db = new Database(dbPath);
    try {
      expect(() => db.exec("INSERT INTO p VALUES (2.5, 'x')")).toThrow(/CHECK constraint failed/);
      expect(() => db.exec("INSERT INTO p VALUES (2, 'd')")).toThrow(/CHECK constraint failed/);
    } finally {
      db.close();
    }
  });
});
