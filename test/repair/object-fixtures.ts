/**
 * Schema shapes of real applications, one per feature class of views and triggers, written from
 * how those applications declare them (table and object names follow the originals; bodies are
 * trimmed to what the feature needs, and custom SQL functions an application registers at run
 * time are left out because no other connection has them). Each is fed to the stock sqlite3
 * shell as written, rows included.
 */
export interface ObjectFixture {
  readonly name: string;
  /** The feature class this fixture stands for. */
  readonly shape: string;
  readonly sql: string;
}

export const OBJECT_FIXTURES: readonly ObjectFixture[] = [
  {
    name: 'ebook-library',
    shape: 'many-to-many link tables with cleanup triggers and browser views over GROUP BY / JOIN (an e-book manager)',
    sql: `
CREATE TABLE books (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL DEFAULT 'Unknown' COLLATE NOCASE,
  sort TEXT COLLATE NOCASE, timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP, path TEXT NOT NULL DEFAULT '', has_cover BOOL DEFAULT 0);
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL COLLATE NOCASE, sort TEXT COLLATE NOCASE, UNIQUE(name));
CREATE TABLE books_authors_link (id INTEGER PRIMARY KEY, book INTEGER NOT NULL, author INTEGER NOT NULL, UNIQUE(book, author));
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL COLLATE NOCASE, UNIQUE (name));
CREATE TABLE books_tags_link (id INTEGER PRIMARY KEY, book INTEGER NOT NULL, tag INTEGER NOT NULL, UNIQUE(book, tag));
CREATE INDEX books_authors_link_aidx ON books_authors_link (author);
CREATE INDEX books_tags_link_aidx ON books_tags_link (tag);
CREATE VIEW tag_browser_authors AS SELECT id, name, (SELECT COUNT(id) FROM books_authors_link WHERE author=authors.id) count, sort AS sort FROM authors;
CREATE VIEW tag_browser_tags AS SELECT id, name, (SELECT COUNT(books_tags_link.id) FROM books_tags_link WHERE tag=tags.id) count FROM tags;
CREATE VIEW meta AS SELECT id, title, (SELECT group_concat(name, ' & ') FROM authors WHERE authors.id IN (SELECT author FROM books_authors_link WHERE book=books.id)) authors, timestamp, path, has_cover FROM books;
CREATE TRIGGER books_delete_trg AFTER DELETE ON books BEGIN
  DELETE FROM books_authors_link WHERE book=OLD.id;
  DELETE FROM books_tags_link WHERE book=OLD.id;
END;
CREATE TRIGGER fkc_delete_on_authors BEFORE DELETE ON authors BEGIN
  SELECT CASE WHEN (SELECT COUNT(id) FROM books_authors_link WHERE author=OLD.id) > 0
    THEN RAISE(ABORT, 'Foreign key violation: authors is still referenced') END;
END;
CREATE TRIGGER books_insert_trg AFTER INSERT ON books BEGIN
  UPDATE books SET sort=NEW.title WHERE id=NEW.id;
END;
INSERT INTO books (title, path) VALUES ('Dune', 'Frank Herbert/Dune (1)'), ('Emma', 'Jane Austen/Emma (2)');
INSERT INTO authors (name, sort) VALUES ('Frank Herbert', 'Herbert, Frank'), ('Jane Austen', 'Austen, Jane');
INSERT INTO books_authors_link (book, author) VALUES (1, 1), (2, 2);
INSERT INTO tags (name) VALUES ('Fiction');
INSERT INTO books_tags_link (book, tag) VALUES (1, 1), (2, 1);`,
  },
  {
    name: 'notes-fts5',
    shape: 'an external-content FTS5 index kept in sync by insert/delete/update triggers (a notes app)',
    sql: `
CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL DEFAULT '', updated_at INTEGER);
CREATE VIRTUAL TABLE notes_fts USING fts5(title, body, content='notes', content_rowid='id', tokenize='porter unicode61');
CREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN
  INSERT INTO notes_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER notes_ad AFTER DELETE ON notes BEGIN
  INSERT INTO notes_fts(notes_fts, rowid, title, body) VALUES('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER notes_au AFTER UPDATE ON notes BEGIN
  INSERT INTO notes_fts(notes_fts, rowid, title, body) VALUES('delete', old.id, old.title, old.body);
  INSERT INTO notes_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
INSERT INTO notes (title, body) VALUES ('groceries', 'apples and pears'), ('ideas', 'a driftd for postgres');`,
  },
  {
    name: 'reference-manager',
    shape: 'foreign keys enforced by BEFORE triggers with RAISE, over composite keys (a reference manager)',
    sql: `
CREATE TABLE items (itemID INTEGER PRIMARY KEY, itemTypeID INT NOT NULL, dateAdded TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, key TEXT NOT NULL, UNIQUE (key));
CREATE TABLE fields (fieldID INTEGER PRIMARY KEY, fieldName TEXT, UNIQUE (fieldName));
CREATE TABLE itemData (itemID INT, fieldID INT, valueID INT, PRIMARY KEY (itemID, fieldID));
CREATE INDEX itemData_fieldID ON itemData(fieldID);
CREATE TRIGGER fki_itemData_itemID BEFORE INSERT ON itemData FOR EACH ROW BEGIN
  SELECT RAISE(ABORT, 'insert on table "itemData" violates foreign key constraint "fki_itemData_itemID"')
  WHERE NEW.itemID IS NOT NULL AND (SELECT COUNT(*) FROM items WHERE itemID = NEW.itemID) = 0;
END;
CREATE TRIGGER fkd_itemData_itemID_items_itemID BEFORE DELETE ON items FOR EACH ROW BEGIN
  DELETE FROM itemData WHERE itemID = OLD.itemID;
END;
CREATE TRIGGER fku_items_itemID_itemData_itemID AFTER UPDATE OF itemID ON items FOR EACH ROW BEGIN
  UPDATE itemData SET itemID=NEW.itemID WHERE itemID=OLD.itemID;
END;
INSERT INTO items (itemTypeID, key) VALUES (2, 'ABCD2345'), (2, 'EFGH6789');
INSERT INTO fields (fieldName) VALUES ('title');
INSERT INTO itemData VALUES (1, 1, 10), (2, 1, 11);`,
  },
  {
    name: 'chat-server',
    shape: 'counters maintained by triggers, a view over a join, and an INSTEAD OF trigger that writes through a view (a chat server)',
    sql: `
CREATE TABLE rooms (room_id TEXT PRIMARY KEY NOT NULL, name TEXT, message_count INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE TABLE messages (id INTEGER PRIMARY KEY, room_id TEXT NOT NULL REFERENCES rooms (room_id), sender TEXT NOT NULL, body TEXT, sent_ts BIGINT NOT NULL);
CREATE INDEX messages_room_ts ON messages (room_id, sent_ts DESC);
CREATE VIEW room_activity AS
  SELECT r.room_id, r.name, r.message_count, max(m.sent_ts) AS last_ts
  FROM rooms AS r LEFT JOIN messages AS m ON m.room_id = r.room_id GROUP BY r.room_id;
CREATE VIEW inbox AS SELECT id, room_id, sender, body FROM messages WHERE sender <> 'system';
CREATE TRIGGER messages_count_insert AFTER INSERT ON messages BEGIN
  UPDATE rooms SET message_count = message_count + 1 WHERE room_id = new.room_id;
END;
CREATE TRIGGER messages_count_delete AFTER DELETE ON messages BEGIN
  UPDATE rooms SET message_count = message_count - 1 WHERE room_id = old.room_id;
END;
CREATE TRIGGER inbox_post INSTEAD OF INSERT ON inbox BEGIN
  INSERT INTO messages (room_id, sender, body, sent_ts) VALUES (new.room_id, new.sender, new.body, 0);
END;
INSERT INTO rooms (room_id, name) VALUES ('!a:hs', 'general'), ('!b:hs', 'random');
INSERT INTO messages (room_id, sender, body, sent_ts) VALUES ('!a:hs', '@ann:hs', 'hi', 1), ('!a:hs', '@bob:hs', 'hello', 2);`,
  },
  {
    name: 'stock-literals',
    shape: 'double-quoted string literals in view and trigger bodies, as stock SQLite accepts them (a task tracker)',
    sql: `
CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ("open", "done")), closed_at TEXT);
CREATE TABLE task_log (task_id INTEGER, what TEXT);
CREATE VIEW open_tasks AS SELECT id, title FROM tasks WHERE state = "open";
CREATE TRIGGER tasks_closed AFTER UPDATE OF state ON tasks WHEN new.state = "done" BEGIN
  UPDATE tasks SET closed_at = datetime("now") WHERE id = new.id;
  INSERT INTO task_log VALUES (new.id, "closed");
END;
INSERT INTO tasks (title) VALUES ('write tests'), ('ship');`,
  },
];
