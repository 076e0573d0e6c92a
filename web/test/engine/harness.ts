/**
 * The page the engine browser tests drive: it exposes the engine factories on `window.pa` and nothing else, so
 * the tests exercise the same facade the UI uses, built and served like the app.
 */
import { createDataEngine } from '../../src/lib/engine/data-engine';
import { createModelEngine } from '../../src/lib/ml/model-engine';

const pa = { createDataEngine, createModelEngine };
(globalThis as { pa?: typeof pa }).pa = pa;
document.body.dataset.ready = 'true';
