import { describe, expect, it } from 'vitest';
import { sizeOverTimeOption } from './segment-charts';

describe('segment size chart', () => {
  it('plots the size at the end of each period by date', () => {
    const option = sizeOverTimeOption([{ at: '2024-03-17T23:59:59.999Z', size: 2 }, { at: '2024-03-24T23:59:59.999Z', size: 3 }], 'dark') as {
      xAxis: { data: string[] };
      series: { data: number[] }[];
    };
    expect(option.xAxis.data).toEqual(['2024-03-17', '2024-03-24']);
    expect(option.series[0]!.data).toEqual([2, 3]);
  });
});
