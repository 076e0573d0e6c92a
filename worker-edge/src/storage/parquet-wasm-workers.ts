import * as parquetWasm from 'parquet-wasm/esm/parquet_wasm.js';
import parquetWasmModule from 'parquet-wasm/esm/parquet_wasm_bg.wasm';
import type { ParquetWasm } from '@privacy-analytics/core/parquet';

let initialised = false;

/** parquet-wasm for workerd: Workers cannot compile wasm at run time, so the module is bundled. */
export function parquetForWorkers(): ParquetWasm {
  if (!initialised) {
    parquetWasm.initSync({ module: parquetWasmModule });
    initialised = true;
  }
  return parquetWasm as unknown as ParquetWasm;
}
