import { describe, expect, it } from 'vitest';
import { idMapChecksum, parseIdMap } from './id-map';

const ids = { format: 1, persons: ['u-1', 'anon-2'], items: ['p-1', 'p-2', 'p-3'], categories: ['(unknown)', 'beauty'], itemCategories: ['beauty', 'beauty', '(unknown)'] };

describe('recommender id map', () => {
  it('accepts the map whose checksum the model holds', () => {
    expect(parseIdMap(ids, { persons: 2, items: 3, idsChecksum: idMapChecksum(ids) }).items).toEqual(['p-1', 'p-2', 'p-3']);
  });

  it('changes the checksum when any id or the order changes', () => {
    const base = idMapChecksum(ids);
    expect(idMapChecksum({ ...ids, persons: ['anon-2', 'u-1'] })).not.toBe(base);
    expect(idMapChecksum({ ...ids, items: ['p-1', 'p-2', 'p-4'] })).not.toBe(base);
    expect(idMapChecksum({ persons: ['ab'], items: ['c'] })).not.toBe(idMapChecksum({ persons: ['a'], items: ['bc'] }));
  });

  it('refuses a map from another model, and malformed maps', () => {
    expect(() => parseIdMap(ids, { persons: 2, items: 3, idsChecksum: '2-3-00000000' }, 'recommend.ids.json')).toThrow(/recommend\.ids\.json does not belong to this model/);
    expect(() => parseIdMap({ ...ids, items: 'p-1' }, { persons: 2, items: 3, idsChecksum: '' }, 'x.json')).toThrow(/x\.json: not a recommender id map \(items:/);
    expect(() => parseIdMap({ ...ids, itemCategories: [] }, { persons: 2, items: 3, idsChecksum: '' }, 'x.json')).toThrow(/0 item categories for 3 items/);
  });
});
