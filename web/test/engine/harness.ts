/**
 * The page the engine browser tests drive: it exposes the engine factories on `window.pa`, and the dashboard's
 * LoadState (what turns the engine's answers into the load banner), so the tests exercise the same facade the UI
 * uses, built and served like the app.
 */
import { createDataEngine } from '../../src/lib/engine/worker-data-engine';
import { createModelEngine } from '../../src/lib/ml/model-engine';
import { LoadState } from '../../src/lib/state/load-state.svelte.ts';

const pa = { createDataEngine, createModelEngine, LoadState };
(globalThis as { pa?: typeof pa }).pa = pa;
document.body.dataset.ready = 'true';
