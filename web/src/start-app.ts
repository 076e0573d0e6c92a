import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import type { DataEngine } from './lib/engine/data-engine';
import { Dashboard } from './lib/state/dashboard.svelte.ts';
import { ThemeState } from './lib/state/theme.svelte.ts';
import { parseUrlState } from './lib/state/url-state';
import { mark } from './lib/engine/timeline';

/** Mounts the dashboard on an engine main.ts has already started. */
export function startApp(engine: DataEngine): void {
  const theme = new ThemeState();
  document.documentElement.dataset.theme = theme.resolved;
  const dashboard = new Dashboard(engine, { initialUrl: parseUrlState(location.search), theme });
  // For the e2e tests and the benchmark (they time the overview queries in this page); holds nothing the page does not.
  (globalThis as { __dashboard?: Dashboard }).__dashboard = dashboard;
  mark('page: app script running');
  mount(App, { target: document.getElementById('app')!, props: { dashboard } });
  mark('page: app mounted');
  void dashboard.start();
}
