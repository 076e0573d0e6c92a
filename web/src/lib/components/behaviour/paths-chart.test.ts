import { describe, expect, it } from 'vitest';
import type { PathsResult } from '@privacy-analytics/core/analytics';
import { DROP_OFF_COLOR } from '../chart-base';
import { MAX_NODES_PER_STEP, pathLinkRows, sankeyData, sankeyHeight, topPathRows } from './paths-chart';

const FORWARD: PathsResult = {
  persons: 10,
  nodes: [
    { id: '0:/', step: 0, name: '/', persons: 10, dropOff: 4, dropOffRate: 0.4 },
    { id: '1:/p', step: 1, name: '/p', persons: 4, dropOff: 1, dropOffRate: 0.25 },
    { id: '1:/', step: 1, name: '/', persons: 2, dropOff: 2, dropOffRate: 1 },
    { id: '2:/cart', step: 2, name: '/cart', persons: 3, dropOff: 0, dropOffRate: 0 },
  ],
  links: [
    { source: '0:/', target: '1:/p', persons: 4 },
    { source: '0:/', target: '1:/', persons: 2 },
    { source: '1:/p', target: '2:/cart', persons: 3 },
  ],
  topPaths: [
    { steps: ['/'], persons: 4, share: 0.4, dropped: true },
    { steps: ['/', '/p', '/cart'], persons: 3, share: 0.3, dropped: false },
  ],
};

describe('paths Sankey', () => {
  it('adds one drop-off node per step, in its own colour, fed by the nodes where paths stop', () => {
    const { nodes, links, labels } = sankeyData(FORWARD, 'start');
    expect(nodes.filter((n) => n.name.startsWith('drop:')).map((n) => [n.name, n.depth, n.itemStyle.color])).toEqual([
      ['drop:1', 1, DROP_OFF_COLOR],
      ['drop:2', 2, DROP_OFF_COLOR],
    ]);
    expect(links.filter((l) => l.target.startsWith('drop:')).map((l) => [l.source, l.target, l.value])).toEqual([
      ['0:/', 'drop:1', 4],
      ['1:/p', 'drop:2', 1],
      ['1:/', 'drop:2', 2],
    ]);
    expect(labels.get('1:/')).toBe('/');
    expect(labels.get('drop:2')).toBe('Drop-off');
    expect(nodes.filter((n) => !n.name.startsWith('drop:')).every((n) => n.itemStyle.color !== DROP_OFF_COLOR && n.itemStyle.color !== '#c0504d')).toBe(true);
    // one event keeps one colour at every step
    expect(nodes.find((n) => n.name === '0:/')!.itemStyle.color).toBe(nodes.find((n) => n.name === '1:/')!.itemStyle.color);
  });

  it('before an end event, paths that begin at a node flow in from a path-start node one step earlier', () => {
    const backward: PathsResult = {
      persons: 3,
      nodes: [
        { id: '-1:/p', step: -1, name: '/p', persons: 2, dropOff: 2, dropOffRate: 1 },
        { id: '0:/buy', step: 0, name: '/buy', persons: 3, dropOff: 1, dropOffRate: 1 / 3 },
      ],
      links: [{ source: '-1:/p', target: '0:/buy', persons: 2 }],
      topPaths: [],
    };
    const { nodes, links } = sankeyData(backward, 'end');
    expect(nodes.map((n) => [n.name, n.depth])).toEqual([
      ['-1:/p', 1],
      ['0:/buy', 2],
      ['entry:-2', 0],
      ['entry:-1', 1],
    ]);
    expect(links.filter((l) => l.source.startsWith('entry:'))).toHaveLength(2);
  });

  it('draws a step’s rarest nodes as one “others” node, keeping every person, so page paths stay readable', () => {
    const landings = Array.from({ length: MAX_NODES_PER_STEP + 5 }, (_, i) => ({ name: `/p-${i}`, persons: 100 - i }));
    const wide: PathsResult = {
      persons: landings.reduce((n, l) => n + l.persons, 0),
      nodes: [
        ...landings.map((l) => ({ id: `0:${l.name}`, step: 0, name: l.name, persons: l.persons, dropOff: 1, dropOffRate: 1 / l.persons })),
        { id: '1:/cart', step: 1, name: '/cart', persons: 40, dropOff: 0, dropOffRate: 0 },
      ],
      links: landings.map((l) => ({ source: `0:${l.name}`, target: '1:/cart', persons: 2 })),
      topPaths: [],
    };
    const { nodes, links, labels } = sankeyData(wide, 'start');
    expect(nodes.filter((n) => n.depth === 0)).toHaveLength(MAX_NODES_PER_STEP + 1);
    expect(labels.get('others:0')).toBe('5 others');
    expect(nodes.some((n) => n.name === `0:/p-${MAX_NODES_PER_STEP}`)).toBe(false);
    expect(links.filter((l) => l.source === 'others:0').map((l) => [l.target, l.value])).toEqual([
      ['1:/cart', 10],
      ['drop:1', 5],
    ]);
    const total = (source: string) => links.filter((l) => l.source === source).reduce((n, l) => n + l.value, 0);
    expect(nodes.filter((n) => n.depth === 0).reduce((n, node) => n + total(node.name), 0)).toBe(landings.length * 3);
    expect(sankeyHeight(wide)).toBe(60 + 26 * (MAX_NODES_PER_STEP + 1));
  });

  it('lists transitions with names and their share of the anchored persons', () => {
    expect(pathLinkRows(FORWARD)[0]).toEqual({ step: 0, from: '/', to: '/p', persons: 4, share: 0.4 });
  });

  it('lists whole paths by rank, written with arrows', () => {
    expect(topPathRows(FORWARD)).toEqual([
      { rank: 1, path: '/', steps: 1, persons: 4, share: 0.4, dropped: true },
      { rank: 2, path: '/ → /p → /cart', steps: 3, persons: 3, share: 0.3, dropped: false },
    ]);
  });
});
