import type { SqlValue } from './query-engine';

/**
 * Binds positional `?` parameters by rendering them as SQL literals. DuckDB-Wasm can only cancel a query started
 * as a pending query (`conn.send`), and prepared statements do not run that way, so parameters are inlined here,
 * in this one place, with strict quoting. `?` inside string literals, quoted identifiers, dollar-quoted strings
 * and comments is left alone.
 */
export function bindParameters(sql: string, params: readonly SqlValue[]): string {
  const placeholders = placeholderOffsets(sql);
  if (placeholders.length !== params.length) {
    throw new Error(`the statement has ${placeholders.length} ? placeholder(s) but ${params.length} parameter(s) were given`);
  }
  let out = '';
  let from = 0;
  placeholders.forEach((at, i) => {
    out += sql.slice(from, at) + sqlLiteral(params[i]!, i + 1);
    from = at + 1;
  });
  return out + sql.slice(from);
}

export function sqlLiteral(value: SqlValue | undefined, position = 0): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return "CAST('NaN' AS DOUBLE)";
    if (!Number.isFinite(value)) return value > 0 ? "CAST('Infinity' AS DOUBLE)" : "CAST('-Infinity' AS DOUBLE)";
    // parenthesised so that "x-?" with -1 cannot become the comment "x--1"
    if (Number.isSafeInteger(value)) return value < 0 || Object.is(value, -0) ? `(${value})` : String(value);
    return `CAST(${value < 0 ? `(${value})` : String(value)} AS DOUBLE)`;
  }
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw new Error(`parameter ${position}: strings may not contain NUL characters`);
    return `'${value.replaceAll("'", "''")}'`;
  }
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new Error(`parameter ${position}: invalid Date`);
    return `TIMESTAMP '${value.toISOString().replace('T', ' ').replace('Z', '')}'`;
  }
  throw new Error(`parameter ${position}: unsupported type ${typeof value}`);
}

/** Offsets of `?` placeholders, skipping literals, quoted identifiers and comments (DuckDB / Postgres lexing). */
export function placeholderOffsets(sql: string): number[] {
  const offsets: number[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'") {
      const backslashEscapes = i > 0 && /[eE]/.test(sql[i - 1]!) && (i < 2 || !/[\w$]/.test(sql[i - 2]!));
      i = skipQuoted(sql, i, "'", backslashEscapes);
    } else if (c === '"') {
      i = skipQuoted(sql, i, '"', false);
    } else if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? n : end + 1;
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(sql, i);
    } else if (c === '$' && (i === 0 || !/[\w$]/.test(sql[i - 1]!))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end === -1 ? n : end + tag[0].length;
      } else {
        i += 1;
      }
    } else {
      if (c === '?') offsets.push(i);
      i += 1;
    }
  }
  return offsets;
}

function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslashEscapes && c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i += 1;
  }
  return sql.length;
}

function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth += 1;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else {
      i += 1;
    }
  }
  return sql.length;
}
