/**
 * Column mapping for the import kinds beyond `orders` and `events` (customers, ad_spend): the same rules as
 * `resolveMapping` in table-messages.ts (suggested by header names, case, spaces, `_`, `-` and `.` ignored; a given
 * mapping wins; each column used once), over a field list passed in.
 */
export class TableMappingError extends Error {
  override name = 'TableMappingError';
}

/** Field → column name (as in the header). */
export type ColumnMapping = Record<string, string>;

export interface TableRow {
  line: number;
  fields: readonly string[];
}

export interface RejectedRow {
  line: number;
  field: string;
  reason: string;
}

export type FieldNames = Readonly<Record<string, readonly string[]>>;

/** Customer keys an orders table may carry beside its member id: hashed into `$ids` like the customers' ones. */
export const ORDER_CONTACT_FIELDS = { phone: ['phone', 'phone_number', 'mobile', 'tel', 'telephone'], email: ['email', 'e_mail', 'email_address'] } as const satisfies FieldNames;

const simple = (name: string) => name.trim().toLowerCase().replace(/[\s_\-.]+/g, '');

export function suggestFields(fields: FieldNames, header: readonly string[]): ColumnMapping {
  const byName = new Map<string, string>();
  for (const column of header) if (!byName.has(simple(column))) byName.set(simple(column), column);
  const used = new Set<string>();
  const mapping: ColumnMapping = {};
  for (const [field, names] of Object.entries(fields)) {
    for (const name of names) {
      const column = byName.get(simple(name));
      if (column !== undefined && !used.has(column)) {
        mapping[field] = column;
        used.add(column);
        break;
      }
    }
  }
  return mapping;
}

export interface ResolvedFields {
  mapping: ColumnMapping;
  at: Map<string, number>;
}

export function resolveFields(kind: string, fields: FieldNames, required: readonly string[], header: readonly string[], given: ColumnMapping = {}): ResolvedFields {
  const known = Object.keys(fields);
  for (const field of Object.keys(given)) {
    if (!known.includes(field)) throw new TableMappingError(`"${field}" is not a field of ${kind}; fields: ${known.join(', ')}`);
  }
  const mapping = { ...suggestFields(fields, header), ...given };
  const at = new Map<string, number>();
  for (const [field, column] of Object.entries(mapping)) {
    if (column === '') continue;
    const index = header.indexOf(column);
    if (index === -1) throw new TableMappingError(`${field}=${column}: the header has no column "${column}"; columns: ${header.join(', ')}`);
    at.set(field, index);
  }
  const missing = required.filter((field) => !at.has(field));
  if (missing.length) {
    throw new TableMappingError(`${kind} need ${missing.map((f) => `a ${f} column`).join(' and ')}; none of the header's columns (${header.join(', ')}) looks like one: map it, e.g. ${missing[0]}=<Column>`);
  }
  return { mapping: Object.fromEntries([...at.keys()].map((f) => [f, mapping[f]!])), at };
}

/** Cell reader and rejection recorder over one resolved mapping (rows whose width differs from the header are rejected). */
export function tableReader(header: readonly string[], resolved: ResolvedFields, rejected: RejectedRow[]) {
  const cell = (row: TableRow, field: string): string | null => {
    const index = resolved.at.get(field);
    if (index === undefined) return null;
    const value = (row.fields[index] ?? '').trim();
    return value === '' ? null : value;
  };
  const reject = (row: TableRow, field: string, reason: string): null => {
    rejected.push({ line: row.line, field: field === 'row' ? 'row' : `${field} (${resolved.mapping[field] ?? field})`, reason });
    return null;
  };
  const complete = (rows: readonly TableRow[]) =>
    rows.filter((row) => row.fields.length === header.length || (reject(row, 'row', `${row.fields.length} fields where the header has ${header.length}`), false));
  return { cell, reject, complete };
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A number as tables write it (a leading `$` and thousands separators `,` allowed), else null. */
export function tableNumber(text: string): number | null {
  const t = text.trim().replace(/^\$/, '').replace(/(\d),(?=\d{3}\b)/g, '$1');
  return NUMBER.test(t) ? Number(t) : null;
}
