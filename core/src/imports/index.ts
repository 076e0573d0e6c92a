export * from './csv';
export * from './table-time';
export * from './table-messages';
export * from './field-mapping';
export * from './customers';
export * from './ad-spend';
export * from './import-files';
export * from './import-fields';
