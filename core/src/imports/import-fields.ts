/** The fields of each import kind with the header names suggested for them, and the fields an import needs. */
import { AD_SPEND_FIELDS } from './ad-spend';
import { CUSTOMER_FIELDS } from './customers';
import { ORDER_CONTACT_FIELDS, suggestFields, type FieldNames } from './field-mapping';
import type { ImportKind } from './import-files';
import { TABLE_FIELDS, type ColumnMapping } from './table-messages';

export const IMPORT_FIELDS: Record<ImportKind, FieldNames> = {
  orders: { ...TABLE_FIELDS.orders, ...ORDER_CONTACT_FIELDS },
  customers: CUSTOMER_FIELDS,
  ad_spend: AD_SPEND_FIELDS,
};

export const IMPORT_REQUIRED_FIELDS: Record<ImportKind, readonly string[]> = { orders: ['user', 'time'], customers: ['member'], ad_spend: ['date', 'spend'] };

/** The columns the edge would pick for each field of `kind` when no mapping is given (each column used once). */
export function suggestImportMapping(kind: ImportKind, header: readonly string[]): ColumnMapping {
  if (kind !== 'orders') return suggestFields(IMPORT_FIELDS[kind], header);
  // The edge suggests the order fields and the contact keys separately (a column may serve both).
  return { ...suggestFields(TABLE_FIELDS.orders, header), ...suggestFields(ORDER_CONTACT_FIELDS, header) };
}
