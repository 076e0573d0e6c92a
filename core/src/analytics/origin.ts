/**
 * Online and offline rows: imported orders and customers carry `properties.source = "import"` (docs/imports.md),
 * live events do not. Analyses over orders take an `origin`: all rows, online only or offline only; attribution
 * shows an imported row's touch as the channel "offline" (or "offline:<store>" per store), beside the web channels.
 */
import { z } from 'zod';
import { propertyAsText, propertyExpr, resolveProperty, sql, type Sql } from './sql';

export const ORIGINS = ['all', 'online', 'offline'] as const;
export type Origin = (typeof ORIGINS)[number];
export const originSchema = z.enum(ORIGINS).default('all');

/** The property that marks imported rows, and its value. */
export const ORIGIN_PROPERTY = 'source';
export const IMPORTED_SOURCE = 'import';
/** The touch value of an imported row in attribution. */
export const OFFLINE_CHANNEL = 'offline';

/** The property of an imported order that names its store (core/src/imports/table-messages.ts). */
export const STORE_PROPERTY = 'store';
/** How attribution names an imported row's touch: one channel "offline", or "offline:<store>" per store. */
export const OFFLINE_TOUCH_MODES = ['offline', 'store'] as const;
export type OfflineTouch = (typeof OFFLINE_TOUCH_MODES)[number];

/** True for imported rows (over a relation that has the `properties` column). */
export function importedRow(): Sql {
  return sql`coalesce(${propertyExpr(resolveProperty(ORIGIN_PROPERTY)).sql} = ${IMPORTED_SOURCE}, false)`;
}

/** The rows of `origin`. */
export function originCondition(origin: Origin): Sql {
  if (origin === 'offline') return importedRow();
  if (origin === 'online') return sql`NOT ${importedRow()}`;
  return sql`TRUE`;
}

/** The touch value of an imported row ("offline", or "offline:<store>" when it names a store); NULL for live rows. */
export function offlineTouchValue(mode: OfflineTouch): Sql {
  if (mode === 'offline') return sql`CASE WHEN ${importedRow()} THEN ${OFFLINE_CHANNEL} END`;
  const store = propertyAsText(resolveProperty(STORE_PROPERTY));
  return sql`CASE WHEN ${importedRow()} THEN coalesce(${OFFLINE_CHANNEL} || ':' || nullif(${store}, ''), ${OFFLINE_CHANNEL}) END`;
}
