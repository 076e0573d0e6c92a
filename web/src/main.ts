import './lib/zod-config';
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { createDataEngine, isDuckDbBundleName } from './lib/engine/data-engine';
import { Dashboard } from './lib/state/dashboard.svelte';
import { ThemeState } from './lib/state/theme.svelte';
import { parseUrlState } from './lib/state/url-state';

const theme = new ThemeState();
document.documentElement.dataset.theme = theme.resolved;

/** `?engine=coi|eh|mvp` forces a DuckDB build (diagnostics, benchmarks); by default it is chosen by browser and cores. */
const forced = new URLSearchParams(location.search).get('engine');
const bundle = isDuckDbBundleName(forced) ? forced : undefined;

const dashboard = new Dashboard(createDataEngine(bundle ? { bundle } : {}), { initialUrl: parseUrlState(location.search), theme });
// For the e2e tests and the benchmark (they time the overview queries in this page); holds nothing the page does not.
(globalThis as { __dashboard?: Dashboard }).__dashboard = dashboard;

mount(App, { target: document.getElementById('app')!, props: { dashboard } });
void dashboard.start();
