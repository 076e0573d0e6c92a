/**
 * The page's entry: starts the data worker first, so DuckDB-Wasm (seconds to compile and start) begins while the
 * browser is still fetching and running the app's own script, then loads the app. Keep this module's imports small:
 * all of them run before the worker exists.
 */
import './lib/zod-config';
import { isDuckDbBundleName } from './lib/engine/data-engine';
import { createDataEngine } from './lib/engine/worker-data-engine';

/** `?engine=coi|eh|mvp` forces a DuckDB build (diagnostics, benchmarks); by default it is chosen by browser and cores. */
const forced = new URLSearchParams(location.search).get('engine');
const bundle = isDuckDbBundleName(forced) ? forced : undefined;
const engine = createDataEngine(bundle ? { bundle } : {});

void import('./start-app').then(({ startApp }) => startApp(engine));
