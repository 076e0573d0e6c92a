import { describe, expect, it } from 'vitest';
import type { SegmentCondition } from '@privacy-analytics/core/analytics';
import {
  addChild,
  conditionToDraft,
  draftToCondition,
  emptyTree,
  newGroup,
  newLeaf,
  removeNode,
  replaceNode,
  setCombinator,
  toggleNegate,
  type AttributeDraft,
  type BehaviourDraft,
  type GroupDraft,
  type TagDraft,
} from './condition-draft';

const issueExample: SegmentCondition = {
  and: [
    { type: 'behaviour', event: 'Order Completed', atLeast: 3, withinDays: 30 },
    { type: 'tag', tag: 'preferred_category', op: 'eq', value: 'beauty' },
    { type: 'property', property: 'country', op: 'eq', value: 'CN' },
  ],
};

describe('segment condition drafts', () => {
  it("builds the issue's example from form rows", () => {
    let tree = newGroup('and');
    const behaviour: BehaviourDraft = { ...(newLeaf('behaviour') as BehaviourDraft), event: 'Order Completed', atLeast: 3, withinDays: 30 };
    const tag: TagDraft = { ...(newLeaf('tag') as TagDraft), tag: 'preferred_category', op: 'eq', value: ' beauty ' };
    const property = newLeaf('property');
    if (property.kind !== 'property') throw new Error('unreachable');
    property.filter = { property: 'country', op: 'eq', value: 'CN' };
    tree = addChild(addChild(addChild(tree, tree.id, behaviour), tree.id, tag), tree.id, property);
    expect(draftToCondition(tree)).toEqual(issueExample);
  });

  it('round-trips nested groups, NOT on conditions and groups, every condition kind', () => {
    const condition: SegmentCondition = {
      or: [
        { not: { type: 'tag', tag: 'lifecycle', op: 'in', value: ['dormant', 'churned'] } },
        {
          not: {
            and: [
              { type: 'behaviour', event: 'Product Viewed', did: false, atLeast: 2, where: [{ property: 'category', op: 'eq', value: 'toys' }] },
              { or: [{ type: 'score', model: 'churn', op: 'between', value: [0.2, 0.8] }, { type: 'property', property: 'country', op: 'eq', value: 'US', match: 'any' }] },
            ],
          },
        },
        { type: 'funnel', funnel: { steps: [{ event: 'a' }, { event: 'b' }] }, step: 1, outcome: 'dropped' },
        { type: 'tag', tag: 'revenue', op: 'gte', value: 100 },
        { type: 'score', model: 'ltv', op: 'is_set' },
      ],
    };
    const tree = conditionToDraft(condition);
    expect(tree.combinator).toBe('or');
    expect(tree.children.map((c) => [c.kind, c.negate])).toEqual([
      ['tag', true],
      ['group', true],
      ['funnel', false],
      ['tag', false],
      ['score', false],
    ]);
    expect(draftToCondition(tree)).toEqual(condition);
  });

  it('opens a single condition as a group of one and a double NOT as the condition', () => {
    const tree = conditionToDraft({ not: { not: { type: 'tag', tag: 'rfm_tier', op: 'eq', value: 'champions' } } });
    expect(tree.children).toHaveLength(1);
    expect(tree.children[0]!.negate).toBe(false);
    expect(draftToCondition(tree)).toEqual({ and: [{ type: 'tag', tag: 'rfm_tier', op: 'eq', value: 'champions' }] });
  });

  it('edits the tree without touching the original', () => {
    const tree = emptyTree();
    const inner = newGroup('or', [newLeaf('tag')]);
    const withGroup = addChild(tree, tree.id, inner);
    expect(tree.children).toHaveLength(1);
    expect(withGroup.children).toHaveLength(2);
    const negated = toggleNegate(withGroup, inner.id);
    expect((negated.children[1] as GroupDraft).negate).toBe(true);
    const anded = setCombinator(negated, inner.id, 'and');
    expect((anded.children[1] as GroupDraft).combinator).toBe('and');
    const swapped = replaceNode(anded, tree.children[0]!.id, newLeaf('score'));
    expect(swapped.children[0]!.kind).toBe('score');
    expect(swapped.children[0]!.id).toBe(tree.children[0]!.id);
    expect(removeNode(swapped, inner.id).children).toHaveLength(1);
    expect(removeNode(swapped, swapped.id)).toBe(swapped);
  });

  it('names the row when a form value does not fit', () => {
    const tree = emptyTree();
    expect(() => draftToCondition(tree)).toThrow('choose an event for every behaviour condition');
    expect(() => draftToCondition(newGroup('and'))).toThrow('a group is empty');
    const tag: TagDraft = { ...(newLeaf('tag') as TagDraft), tag: 'order_count', op: 'gte', value: 'many' };
    expect(() => draftToCondition(newGroup('and', [tag]))).toThrow('"many" is not a number');
    const countEq: TagDraft = { ...tag, op: 'eq', value: '3' };
    expect(draftToCondition(newGroup('and', [countEq]))).toEqual({ and: [{ type: 'tag', tag: 'order_count', op: 'eq', value: 3 }] });
    const score = { ...newLeaf('score'), model: 'churn', op: 'between' as const, value: '0.2' };
    expect(() => draftToCondition(newGroup('and', [score]))).toThrow('score of churn: between needs two numbers');
    const behaviour: BehaviourDraft = { ...(newLeaf('behaviour') as BehaviourDraft), event: 'x', atLeast: 0 };
    expect(() => draftToCondition(newGroup('and', [behaviour]))).toThrow('"x" at least must be a whole number of at least 1');
    expect(draftToCondition(newGroup('and', [{ ...behaviour, atLeast: 1, withinDays: null }]))).toEqual({ and: [{ type: 'behaviour', event: 'x', atLeast: 1 }] });
  });

  it('turns declared-attribute rows into attribute conditions and back', () => {
    const band: AttributeDraft = { ...(newLeaf('attribute') as AttributeDraft), op: 'in', value: '25-34, 35-44' };
    const born: AttributeDraft = { ...band, attribute: 'birth_year', op: 'lt', value: '1980' };
    const condition = draftToCondition(newGroup('and', [band, { ...born, negate: true }]));
    expect(condition).toEqual({
      and: [
        { type: 'attribute', attribute: 'age_band', op: 'in', value: ['25-34', '35-44'] },
        { not: { type: 'attribute', attribute: 'birth_year', op: 'lt', value: 1980 } },
      ],
    });
    expect(draftToCondition(conditionToDraft(condition))).toEqual(condition);
    expect(() => draftToCondition(newGroup('and', [{ ...born, op: 'eq', value: 'nineteen' }]))).toThrow('attribute birth_year: "nineteen" is not a number');
  });
});
