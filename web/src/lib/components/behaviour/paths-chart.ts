/** A paths result as a Sankey (with drop-off drawn as nodes of their own) and as table rows. */
import type { PathsResult } from '@privacy-analytics/core/analytics';
import type { Row } from '@privacy-analytics/core/engine';
import type { ResolvedTheme } from '../../state/theme.svelte.ts';
import type { ChartOption } from '../echarts-setup';
import { chartBase, DROP_OFF_COLOR, PALETTE, textColor } from '../chart-base';

export type PathDirection = 'start' | 'end';

export const DROP_OFF_LABEL = 'Drop-off';
export const PATH_START_LABEL = 'Path starts';
const PATH_START_COLOR = '#8a93a6';
const OTHER_COLOR = '#b4bac6';
/**
 * A step's nodes drawn one by one; the rest are drawn as one "others" node. Page paths make hundreds of nodes per
 * step (every product page is one), and a column of hundreds of labels is unreadable. The tables keep every node.
 */
export const MAX_NODES_PER_STEP = 10;
/** Event nodes never take the palette's red, which would read as drop-off. */
const NODE_PALETTE = PALETTE.filter((colour) => colour !== '#c0504d');

interface SankeyNode {
  name: string;
  depth: number;
  itemStyle: { color: string };
}

interface SankeyLink {
  source: string;
  target: string;
  value: number;
  lineStyle?: { color: string; opacity: number };
}

export interface SankeyData {
  nodes: SankeyNode[];
  links: SankeyLink[];
  /** node id -> label shown (ids carry the step to keep one name at several steps apart) */
  labels: Map<string, string>;
}

/**
 * Sankey nodes and links. After a start event, persons whose path stops at a node flow into that step's drop-off
 * node; before an end event, persons whose path begins at a node flow in from a "path starts" node. Both are
 * coloured apart from the event nodes. Node depth is the step, so equal steps line up in one column.
 */
export function sankeyData(result: PathsResult, direction: PathDirection): SankeyData {
  const steps = result.nodes.map((n) => n.step);
  const lowest = Math.min(0, ...steps) - (direction === 'end' ? 1 : 0);
  const labels = new Map<string, string>();
  const colours = new Map<string, string>();
  const colourOf = (name: string) => {
    if (!colours.has(name)) colours.set(name, NODE_PALETTE[colours.size % NODE_PALETTE.length]!);
    return colours.get(name)!;
  };
  // node id -> the id drawn for it: itself, or its step's "others" node
  const drawnAs = new Map<string, string>();
  const shownPerStep = new Map<number, number>();
  const othersPerStep = new Map<number, number>();
  const nodes: SankeyNode[] = [];
  for (const n of [...result.nodes].sort((a, b) => a.step - b.step || b.persons - a.persons)) {
    const shown = shownPerStep.get(n.step) ?? 0;
    if (shown < MAX_NODES_PER_STEP) {
      shownPerStep.set(n.step, shown + 1);
      drawnAs.set(n.id, n.id);
      labels.set(n.id, n.name);
      nodes.push({ name: n.id, depth: n.step - lowest, itemStyle: { color: colourOf(n.name) } });
      continue;
    }
    const id = `others:${n.step}`;
    const count = (othersPerStep.get(n.step) ?? 0) + 1;
    if (count === 1) nodes.push({ name: id, depth: n.step - lowest, itemStyle: { color: OTHER_COLOR } });
    othersPerStep.set(n.step, count);
    labels.set(id, `${count} others`);
    drawnAs.set(n.id, id);
  }
  const linkValues = new Map<string, SankeyLink>();
  const addLink = (source: string, target: string, value: number, lineStyle?: SankeyLink['lineStyle']) => {
    const key = `${source}\n${target}`;
    const link = linkValues.get(key);
    if (link) link.value += value;
    else linkValues.set(key, { source, target, value, ...(lineStyle ? { lineStyle } : {}) });
  };
  for (const l of result.links) addLink(drawnAs.get(l.source) ?? l.source, drawnAs.get(l.target) ?? l.target, l.persons);
  const extra = new Map<string, SankeyNode>();
  for (const node of result.nodes) {
    if (node.dropOff <= 0) continue;
    const step = direction === 'start' ? node.step + 1 : node.step - 1;
    const id = `${direction === 'start' ? 'drop' : 'entry'}:${step}`;
    if (!extra.has(id)) {
      labels.set(id, direction === 'start' ? DROP_OFF_LABEL : PATH_START_LABEL);
      extra.set(id, { name: id, depth: step - lowest, itemStyle: { color: direction === 'start' ? DROP_OFF_COLOR : PATH_START_COLOR } });
    }
    const lineStyle = { color: direction === 'start' ? DROP_OFF_COLOR : PATH_START_COLOR, opacity: 0.3 };
    const drawn = drawnAs.get(node.id) ?? node.id;
    if (direction === 'start') addLink(drawn, id, node.dropOff, lineStyle);
    else addLink(id, drawn, node.dropOff, lineStyle);
  }
  return { nodes: [...nodes, ...extra.values()], links: [...linkValues.values()], labels };
}

export function pathsSankeyOption(result: PathsResult, direction: PathDirection, theme: ResolvedTheme): ChartOption {
  const { nodes, links, labels } = sankeyData(result, direction);
  const label = (id: string) => labels.get(id) ?? id;
  return {
    ...chartBase(theme),
    tooltip: {
      trigger: 'item',
      formatter: (p: { dataType?: string; name: string; value: number; data: { source?: string; target?: string } }) =>
        p.dataType === 'edge' ? `${escapeHtml(label(p.data.source ?? ''))} → ${escapeHtml(label(p.data.target ?? ''))}: ${p.value} persons` : `${escapeHtml(label(p.name))}: ${p.value} persons`,
    },
    series: [
      {
        type: 'sankey',
        left: 8,
        right: 120,
        top: 8,
        bottom: 8,
        nodeGap: 10,
        nodeAlign: direction === 'start' ? 'left' : 'right',
        layoutIterations: 32,
        emphasis: { focus: 'adjacency' },
        lineStyle: { color: 'gradient', curveness: 0.5, opacity: 0.35 },
        label: { formatter: (p: { name: string }) => label(p.name), color: textColor(theme), width: 110, overflow: 'truncate' },
        data: nodes,
        links,
      },
    ],
  };
}

/** Tall enough for the busiest step's nodes to keep readable labels. */
export function sankeyHeight(result: PathsResult): number {
  const perStep = new Map<number, number>();
  for (const node of result.nodes) perStep.set(node.step, (perStep.get(node.step) ?? 0) + 1);
  const busiest = Math.min(MAX_NODES_PER_STEP + 1, Math.max(0, ...perStep.values()));
  return Math.max(320, Math.min(900, 60 + 26 * busiest));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Nodes by step, then persons: where paths go and where they stop. */
export function pathNodeRows(result: PathsResult): Row[] {
  return result.nodes.map((n) => ({ step: n.step, node: n.name, persons: n.persons, drop_off: n.dropOff, drop_off_rate: n.dropOffRate }));
}

/** Transitions between consecutive steps, most persons first, with their share of the anchored persons. */
export function pathLinkRows(result: PathsResult): Row[] {
  const names = new Map(result.nodes.map((n) => [n.id, n]));
  return result.links.map((l) => {
    const from = names.get(l.source);
    const to = names.get(l.target);
    return { step: from?.step ?? null, from: from?.name ?? l.source, to: to?.name ?? l.target, persons: l.persons, share: result.persons === 0 ? 0 : l.persons / result.persons };
  });
}

export const PATH_SEPARATOR = ' → ';

/** Whole paths, most persons first: rank, the path as "A → B → C", persons, share of the anchored persons. */
export function topPathRows(result: PathsResult): Row[] {
  return result.topPaths.map((p, i) => ({ rank: i + 1, path: p.steps.join(PATH_SEPARATOR), steps: p.steps.length, persons: p.persons, share: p.share, dropped: p.dropped }));
}
