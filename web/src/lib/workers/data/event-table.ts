// The events table's SQL is core's (the Node connectors create and fill it the same way).
export { createTableSql, EVENTS_TABLE, quoteIdentifier, resolveColumns, SQL_TYPES } from '@privacy-analytics/core/engine';
export { EVENT_COLUMNS as ALL_COLUMNS } from '@privacy-analytics/core/schema';
