import { DataType, type Table } from 'apache-arrow';
import type { Row } from '../engine/query-engine';

type Convert = (value: unknown) => unknown;

/**
 * Arrow result -> plain objects that survive structured clone and read naturally in the UI:
 * BIGINT (and other 64-bit integers) as number when safe, else bigint; TIMESTAMP and DATE as Date;
 * DECIMAL as number (DuckDB is opened with castDecimalToDouble); lists as arrays; structs and maps as objects.
 */
export function tableToRows(table: Table): Row[] {
  const columns = table.schema.fields.map((field, i) => ({
    name: field.name,
    vector: table.getChildAt(i)!,
    convert: converterFor(field.type),
  }));
  const rows: Row[] = new Array(table.numRows);
  for (let r = 0; r < table.numRows; r++) {
    const row: Row = {};
    for (const column of columns) row[column.name] = column.convert(column.vector.get(r));
    rows[r] = row;
  }
  return rows;
}

export function converterFor(type: DataType): Convert {
  if (DataType.isInt(type) && type.bitWidth === 64) return nullable(safeInteger);
  if (DataType.isTimestamp(type) || DataType.isDate(type)) return nullable((v) => new Date(Number(v)));
  if (DataType.isDecimal(type)) return nullable((v) => Number(String(v)) / 10 ** type.scale);
  if (DataType.isList(type) || DataType.isFixedSizeList(type)) {
    const inner = converterFor(type.children[0]!.type);
    return nullable((v) => Array.from(v as Iterable<unknown>, inner));
  }
  if (DataType.isStruct(type)) {
    const fields = type.children.map((f) => ({ name: f.name, convert: converterFor(f.type) }));
    return nullable((v) => {
      const source = v as Record<string, unknown>;
      return Object.fromEntries(fields.map((f) => [f.name, f.convert(source[f.name])]));
    });
  }
  if (DataType.isMap(type)) return nullable((v) => plain((v as { toJSON(): unknown }).toJSON()));
  return (v) => (v === undefined ? null : v);
}

function nullable(convert: Convert): Convert {
  return (v) => (v === null || v === undefined ? null : convert(v));
}

function safeInteger(v: unknown): unknown {
  if (typeof v !== 'bigint') return v;
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return safeInteger(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}
