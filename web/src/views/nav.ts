import type { Component } from 'svelte';
import type { Dashboard } from '../lib/state/dashboard.svelte.ts';
import type { ViewName } from '../lib/state/url-state';
import Admin from './Admin.svelte';
import Alerts from './Alerts.svelte';
import Attribution from './Attribution.svelte';
import Basket from './Basket.svelte';
import Campaigns from './Campaigns.svelte';
import Connect from './Connect.svelte';
import DataQuality from './DataQuality.svelte';
import Experiments from './Experiments.svelte';
import Funnels from './Funnels.svelte';
import Imports from './Imports.svelte';
import Models from './Models.svelte';
import Overview from './Overview.svelte';
import Paths from './Paths.svelte';
import Person from './Person.svelte';
import Retention from './Retention.svelte';
import Rfm from './Rfm.svelte';
import Segments from './Segments.svelte';
import SqlConsole from './SqlConsole.svelte';

/** Every view takes the dashboard and nothing else. */
export const VIEW_COMPONENTS: Record<ViewName, Component<{ dashboard: Dashboard }>> = {
  overview: Overview,
  funnels: Funnels,
  retention: Retention,
  paths: Paths,
  segments: Segments,
  rfm: Rfm,
  person: Person,
  attribution: Attribution,
  basket: Basket,
  experiments: Experiments,
  campaigns: Campaigns,
  quality: DataQuality,
  alerts: Alerts,
  models: Models,
  sql: SqlConsole,
  imports: Imports,
  admin: Admin,
  connect: Connect,
};

export interface NavGroup {
  label: string;
  views: { view: ViewName; label: string }[];
}

export const NAV_GROUPS: NavGroup[] = [
  { label: 'Traffic', views: [{ view: 'overview', label: 'Overview' }] },
  {
    label: 'Behaviour',
    views: [
      { view: 'funnels', label: 'Funnels' },
      { view: 'retention', label: 'Retention' },
      { view: 'paths', label: 'Paths' },
      { view: 'segments', label: 'Segments' },
      { view: 'rfm', label: 'RFM' },
      { view: 'person', label: 'Person' },
    ],
  },
  {
    label: 'Marketing',
    views: [
      { view: 'attribution', label: 'Attribution' },
      { view: 'basket', label: 'Basket rules' },
      { view: 'experiments', label: 'Experiments' },
      { view: 'campaigns', label: 'Campaign lift' },
      { view: 'quality', label: 'Data quality' },
      { view: 'alerts', label: 'Alerts' },
    ],
  },
  { label: 'Predict', views: [{ view: 'models', label: 'Models' }] },
  {
    label: 'Data',
    views: [
      { view: 'sql', label: 'SQL console' },
      { view: 'imports', label: 'Imports' },
      { view: 'admin', label: 'Admin' },
      { view: 'connect', label: 'Data sources' },
    ],
  },
];
