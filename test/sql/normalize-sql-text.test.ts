import { describe, expect, it } from 'vitest';
import { namesIn, normalizeSqlText, rewriteDoubleQuotedStrings } from '../../src/sql/normalize-sql-text.js';

const columns = namesIn(['status', 'props', 'Done']);

describe('normalizeSqlText', () => {
  it('reads a double-quoted token that names no column as the string it is in stock SQLite', () => {
    expect(normalizeSqlText(`status IN ("open", "closed")`, columns)).toBe(normalizeSqlText(`status IN ('open', 'closed')`, columns));
    expect(normalizeSqlText(`json_extract(props, "$.version")`, columns)).toBe(`json_extract ( props , '$.version' )`);
  });

  it('keeps a double-quoted token that names a column (in any case) as that column', () => {
    expect(normalizeSqlText(`"DONE" = 1`, columns)).toBe('done = 1');
    expect(normalizeSqlText(`"done" = 1`, columns)).not.toBe(normalizeSqlText(`'done' = 1`, columns));
    expect(normalizeSqlText(`"rowid" > 0`, columns)).toBe('rowid > 0');
  });

  it('treats names in name positions as names whatever the predicate says', () => {
    const none = (): boolean => false;
    expect(normalizeSqlText(`"t"."a" = 1`, none)).toBe('t . a = 1');
    expect(normalizeSqlText(`"lower"(x)`, none)).toBe('lower ( x )');
    expect(normalizeSqlText(`x COLLATE "NOCASE"`, none)).toBe('x collate nocase');
    expect(normalizeSqlText(`SELECT a AS "Label" FROM "Items"`, none)).toBe('select a as label from items');
    expect(normalizeSqlText(`INSERT INTO "fts"(rowid) VALUES (1)`, none)).toBe('insert into fts ( rowid ) values ( 1 )');
  });

  it('never treats backquoted or bracketed tokens as strings', () => {
    const none = (): boolean => false;
    expect(normalizeSqlText('`x` = [y]', none)).toBe('x = y');
  });

  it('folds keyword and identifier case, drops comments and white space, keeps string case', () => {
    expect(normalizeSqlText(`WHERE  State = 'Done' -- only finished\n AND /* c */ x>0`, columns)).toBe(`where state = 'Done' and x > 0`);
  });

  it('drops parentheses that enclose the whole text, not others', () => {
    expect(normalizeSqlText('((a > 0))', columns)).toBe('a > 0');
    expect(normalizeSqlText('(a > 0) AND (b > 0)', columns)).toBe('( a > 0 ) and ( b > 0 )');
  });

  it('escapes quotes when a double-quoted token becomes a string', () => {
    expect(normalizeSqlText(`a = "it's"`, columns)).toBe(`a = 'it''s'`);
    expect(normalizeSqlText(`a = "say ""hi"""`, columns)).toBe(`a = 'say "hi"'`);
  });

  it('keeps quoting for names that need it', () => {
    expect(normalizeSqlText('"two words" + 1', namesIn(['two words']))).toBe('"two words" + 1');
  });
});

describe('rewriteDoubleQuotedStrings', () => {
  it('rewrites only the string-valued tokens and leaves the rest of the text alone', () => {
    expect(rewriteDoubleQuotedStrings(`CHECK ("status" IN ("open",  "closed")) -- x`, columns)).toBe(`CHECK ("status" IN ('open',  'closed')) -- x`);
  });
});
