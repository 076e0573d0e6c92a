import { describe, expect, it } from 'vitest';
import { bindParameters, placeholderOffsets, sqlLiteral } from './sql-params';

describe('placeholderOffsets', () => {
  it('finds ? outside literals, quoted identifiers, dollar quotes and comments', () => {
    const sql = `SELECT ?, 'a?''b?', "c?", $$d?$$, $tag$e?$tag$, E'f\\'?', x -- g?\n, /* h? /* nested ? */ ? */ ?`;
    const offsets = placeholderOffsets(sql);
    expect(offsets.map((i) => sql.slice(i - 2, i + 1))).toEqual(['T ?', '/ ?']);
    expect(offsets).toHaveLength(2);
  });

  it('treats $1 and identifiers with $ as ordinary text', () => {
    expect(placeholderOffsets('SELECT a$b, $1, ?')).toEqual([16]);
  });

  it('ignores an unterminated literal instead of binding inside it', () => {
    expect(placeholderOffsets("SELECT 'abc ?")).toEqual([]);
  });
});

describe('sqlLiteral', () => {
  it('quotes strings by doubling single quotes, backslashes untouched', () => {
    expect(sqlLiteral("it's \\ ok")).toBe("'it''s \\ ok'");
    expect(sqlLiteral("'; DROP TABLE events; --")).toBe("'''; DROP TABLE events; --'");
  });

  it('parenthesises negative numbers so x-? cannot become a comment', () => {
    expect(bindParameters('SELECT 1-?', [-1])).toBe('SELECT 1-(-1)');
    expect(sqlLiteral(-0.5)).toBe('CAST((-0.5) AS DOUBLE)');
    expect(sqlLiteral(3)).toBe('3');
    expect(sqlLiteral(0.1)).toBe('CAST(0.1 AS DOUBLE)');
    expect(sqlLiteral(1e21)).toBe('CAST(1e+21 AS DOUBLE)');
  });

  it('renders the other supported values', () => {
    expect(sqlLiteral(null)).toBe('NULL');
    expect(sqlLiteral(true)).toBe('TRUE');
    expect(sqlLiteral(Number.NaN)).toBe("CAST('NaN' AS DOUBLE)");
    expect(sqlLiteral(-Infinity)).toBe("CAST('-Infinity' AS DOUBLE)");
    expect(sqlLiteral(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)))).toBe("TIMESTAMP '2026-01-02 03:04:05.006'");
  });

  it('refuses values it cannot render safely', () => {
    expect(() => sqlLiteral('a\u0000b', 2)).toThrow('parameter 2: strings may not contain NUL characters');
    expect(() => sqlLiteral(new Date(Number.NaN), 1)).toThrow('parameter 1: invalid Date');
    expect(() => sqlLiteral({} as never, 3)).toThrow('parameter 3: unsupported type object');
  });
});

describe('bindParameters', () => {
  it('replaces placeholders in order and leaves the rest of the text alone', () => {
    expect(bindParameters("SELECT * FROM events WHERE country = ? AND path LIKE '%?%' AND n > ?", ['DE', 2])).toBe(
      "SELECT * FROM events WHERE country = 'DE' AND path LIKE '%?%' AND n > 2",
    );
  });

  it('says how many placeholders and parameters there are when they differ', () => {
    expect(() => bindParameters('SELECT ?, ?', [1])).toThrow('the statement has 2 ? placeholder(s) but 1 parameter(s) were given');
  });
});
