/**
 * The segment builder's editable condition tree and its conversion to and from the spec's
 * `SegmentCondition`. The form holds text (what the inputs hold); `draftToCondition` turns it into a
 * condition or throws a message naming the row, `conditionToDraft` opens a saved spec back into the form.
 *
 * Negation is a flag on every node (condition or group) rather than a node of its own, so the builder
 * shows "NOT" next to what it negates; `{not: {not: x}}` opens as x.
 */
import { DECLARED_ATTRIBUTES, PERSON_TAGS, type DeclaredAttribute, type PersonTag } from '@privacy-analytics/core/analytics';
import type { ScoreOp, SegmentCondition } from '@privacy-analytics/core/analytics';
import type { FilterOp } from '@privacy-analytics/core/analytics';
import { toFilterDraft, toPropertyFilter, type FilterDraft } from '../../components/property-filter-form';

export type Combinator = 'and' | 'or';
export type FunnelCondition = Extract<SegmentCondition, { type: 'funnel' }>;

interface NodeBase {
  /** stable key for the UI's keyed lists; unique within one tree */
  id: number;
  negate: boolean;
}

export interface GroupDraft extends NodeBase {
  kind: 'group';
  combinator: Combinator;
  children: NodeDraft[];
}

export interface PropertyDraft extends NodeBase {
  kind: 'property';
  filter: FilterDraft;
  match: 'latest' | 'any';
}

export interface TagDraft extends NodeBase {
  kind: 'tag';
  tag: PersonTag;
  op: FilterOp;
  value: string;
}

/** A declared attribute (gender, age band, city, member tier...): the latest value the person declared. */
export interface AttributeDraft extends NodeBase {
  kind: 'attribute';
  attribute: DeclaredAttribute;
  op: FilterOp;
  value: string;
}

export interface BehaviourDraft extends NodeBase {
  kind: 'behaviour';
  event: string;
  did: boolean;
  atLeast: number;
  /** empty: ever */
  withinDays: number | null;
  where: FilterDraft[];
}

export interface ScoreDraft extends NodeBase {
  kind: 'score';
  model: string;
  op: ScoreOp;
  /** one number, or "low, high" for between */
  value: string;
}

/** Funnel conditions come from saved specs (the Funnels view's "persons who dropped at step k") and are shown read-only. */
export interface FunnelDraft extends NodeBase {
  kind: 'funnel';
  condition: FunnelCondition;
}

export type LeafDraft = PropertyDraft | TagDraft | AttributeDraft | BehaviourDraft | ScoreDraft | FunnelDraft;
export type NodeDraft = GroupDraft | LeafDraft;
export type LeafKind = Exclude<LeafDraft['kind'], 'funnel'>;

export const LEAF_KINDS: { kind: LeafKind; label: string }[] = [
  { kind: 'property', label: 'Event property' },
  { kind: 'tag', label: 'Person tag' },
  { kind: 'attribute', label: 'Declared attribute' },
  { kind: 'behaviour', label: 'Behaviour' },
  { kind: 'score', label: 'Model score' },
];

/** Operators that make sense per value kind of a tag or property. */
export const STRING_OPS: FilterOp[] = ['eq', 'neq', 'in', 'nin', 'contains', 'not_contains', 'is_set', 'is_not_set'];
export const NUMBER_OPS: FilterOp[] = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'in', 'nin', 'is_set', 'is_not_set'];
export const TIME_OPS: FilterOp[] = ['gt', 'gte', 'lt', 'lte', 'between', 'is_set', 'is_not_set'];

export function tagOps(tag: PersonTag): FilterOp[] {
  const kind = PERSON_TAGS[tag];
  return kind === 'string' ? STRING_OPS : kind === 'number' ? NUMBER_OPS : TIME_OPS;
}

export function attributeOps(attribute: DeclaredAttribute): FilterOp[] {
  return DECLARED_ATTRIBUTES[attribute] === 'number' ? NUMBER_OPS : STRING_OPS;
}

let nextId = 1;
function id(): number {
  return nextId++;
}

export function newLeaf(kind: LeafKind): LeafDraft {
  switch (kind) {
    case 'property':
      return { kind, id: id(), negate: false, filter: { property: '', op: 'eq', value: '' }, match: 'latest' };
    case 'tag':
      return { kind, id: id(), negate: false, tag: 'lifecycle', op: 'eq', value: 'active' };
    case 'attribute':
      return { kind, id: id(), negate: false, attribute: 'age_band', op: 'eq', value: '25-34' };
    case 'behaviour':
      return { kind, id: id(), negate: false, event: '', did: true, atLeast: 1, withinDays: 30, where: [] };
    case 'score':
      return { kind, id: id(), negate: false, model: '', op: 'gte', value: '0.5' };
  }
}

export function newGroup(combinator: Combinator = 'and', children: NodeDraft[] = []): GroupDraft {
  return { kind: 'group', id: id(), negate: false, combinator, children };
}

/** An empty builder: one AND group with one behaviour row. */
export function emptyTree(): GroupDraft {
  return newGroup('and', [newLeaf('behaviour')]);
}

/** The longest behaviour window the spec takes. */
const MAX_WITHIN_DAYS = 3650;

/**
 * A first visit's builder: persons who did `event` (a purchase) at least once in the date range (`rangeDays` before
 * its end, which is the as-of day unless set).
 */
export function starterTree(event: string, rangeDays: number): GroupDraft {
  const withinDays = Math.min(Math.max(Math.round(rangeDays), 1), MAX_WITHIN_DAYS);
  const leaf: BehaviourDraft = { ...(newLeaf('behaviour') as BehaviourDraft), event, withinDays };
  return newGroup('and', [leaf]);
}

// ---------------------------------------------------------------------------------------------
// Draft -> condition
// ---------------------------------------------------------------------------------------------

function wholeNumber(value: number | null, what: string, min: number): number {
  if (value === null || !Number.isInteger(value) || value < min) throw new Error(`${what} must be a whole number of at least ${min}`);
  return value;
}

function scoreValue(draft: ScoreDraft): number | number[] | undefined {
  if (draft.op === 'is_set' || draft.op === 'is_not_set') return undefined;
  const parts = draft.value.split(',').map((v) => v.trim()).filter(Boolean);
  const numbers = parts.map((p) => Number(p));
  const label = `score of ${draft.model || 'the model'}`;
  if (numbers.some((n) => !Number.isFinite(n))) throw new Error(`${label}: "${draft.value.trim()}" is not a number`);
  if (draft.op === 'between') {
    if (numbers.length !== 2) throw new Error(`${label}: between needs two numbers: low, high`);
    return numbers;
  }
  if (numbers.length !== 1) throw new Error(`${label}: enter one number`);
  return numbers[0];
}

/** The filter of a tag or attribute row; numeric ones compare numbers (the form's text would reach the spec as strings). */
function namedFilter(name: string, label: string, numeric: boolean, draft: { op: FilterOp; value: string }): Omit<ReturnType<typeof toPropertyFilter>, 'property'> {
  const { property: _name, ...filter } = toPropertyFilter({ property: name, op: draft.op, value: draft.value });
  if (numeric && filter.value !== undefined) {
    const values = Array.isArray(filter.value) ? filter.value : [filter.value];
    const numbers = values.map((v) => Number(v));
    if (numbers.some((n) => !Number.isFinite(n))) throw new Error(`${label}: "${draft.value.trim()}" is not a number`);
    filter.value = Array.isArray(filter.value) ? numbers : numbers[0];
  }
  return filter;
}

function leafCondition(draft: LeafDraft): SegmentCondition {
  switch (draft.kind) {
    case 'property': {
      const filter = toPropertyFilter(draft.filter);
      return { type: 'property', ...filter, ...(draft.match === 'any' ? { match: 'any' as const } : {}) };
    }
    case 'tag':
      return { type: 'tag', tag: draft.tag, ...namedFilter(draft.tag, `tag ${draft.tag}`, PERSON_TAGS[draft.tag] === 'number', draft) };
    case 'attribute':
      return { type: 'attribute', attribute: draft.attribute, ...namedFilter(draft.attribute, `attribute ${draft.attribute}`, DECLARED_ATTRIBUTES[draft.attribute] === 'number', draft) };
    case 'behaviour': {
      const event = draft.event.trim();
      if (!event) throw new Error('choose an event for every behaviour condition');
      const condition: SegmentCondition = { type: 'behaviour', event, atLeast: wholeNumber(draft.atLeast, `"${event}" at least`, 1) };
      if (!draft.did) condition.did = false;
      if (draft.withinDays !== null) condition.withinDays = wholeNumber(draft.withinDays, `"${event}" within days`, 1);
      if (draft.where.length) condition.where = draft.where.map(toPropertyFilter);
      return condition;
    }
    case 'score': {
      const model = draft.model.trim();
      if (!model) throw new Error('choose a model for every score condition');
      const value = scoreValue(draft);
      return { type: 'score', model, op: draft.op, ...(value === undefined ? {} : { value }) };
    }
    case 'funnel':
      return draft.condition;
  }
}

/** The spec's condition; throws a message naming the row when a row is incomplete or a group is empty. */
export function draftToCondition(node: NodeDraft): SegmentCondition {
  let condition: SegmentCondition;
  if (node.kind === 'group') {
    if (node.children.length === 0) throw new Error('a group is empty: add a condition to it or remove it');
    const children = node.children.map(draftToCondition);
    condition = node.combinator === 'and' ? { and: children } : { or: children };
  } else {
    condition = leafCondition(node);
  }
  return node.negate ? { not: condition } : condition;
}

// ---------------------------------------------------------------------------------------------
// Condition -> draft
// ---------------------------------------------------------------------------------------------

function filterValueText(value: unknown): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(', ') : String(value);
}

function nodeFrom(condition: SegmentCondition, negate: boolean): NodeDraft {
  if ('not' in condition) return nodeFrom(condition.not, !negate);
  if ('and' in condition) return { kind: 'group', id: id(), negate, combinator: 'and', children: condition.and.map((c) => nodeFrom(c, false)) };
  if ('or' in condition) return { kind: 'group', id: id(), negate, combinator: 'or', children: condition.or.map((c) => nodeFrom(c, false)) };
  switch (condition.type) {
    case 'property':
      return { kind: 'property', id: id(), negate, filter: toFilterDraft(condition), match: condition.match ?? 'latest' };
    case 'tag':
      return { kind: 'tag', id: id(), negate, tag: condition.tag, op: condition.op, value: filterValueText(condition.value) };
    case 'attribute':
      return { kind: 'attribute', id: id(), negate, attribute: condition.attribute, op: condition.op, value: filterValueText(condition.value) };
    case 'behaviour':
      return {
        kind: 'behaviour',
        id: id(),
        negate,
        event: condition.event,
        did: condition.did !== false,
        atLeast: condition.atLeast ?? 1,
        withinDays: condition.withinDays ?? null,
        where: (condition.where ?? []).map(toFilterDraft),
      };
    case 'score':
      return { kind: 'score', id: id(), negate, model: condition.model, op: condition.op, value: filterValueText(condition.value) };
    case 'funnel':
      return { kind: 'funnel', id: id(), negate, condition };
  }
}

/** The builder's tree for a spec's condition; the root is always a group (a single condition becomes a group of one). */
export function conditionToDraft(condition: SegmentCondition): GroupDraft {
  const node = nodeFrom(condition, false);
  return node.kind === 'group' ? node : newGroup('and', [node]);
}

// ---------------------------------------------------------------------------------------------
// Tree edits (immutable: each returns a new root, so the state class can assign it)
// ---------------------------------------------------------------------------------------------

function mapTree(node: NodeDraft, targetId: number, change: (node: NodeDraft) => NodeDraft | null): NodeDraft | null {
  if (node.id === targetId) return change(node);
  if (node.kind !== 'group') return node;
  const children: NodeDraft[] = [];
  for (const child of node.children) {
    const next = mapTree(child, targetId, change);
    if (next) children.push(next);
  }
  return { ...node, children };
}

function edit(root: GroupDraft, targetId: number, change: (node: NodeDraft) => NodeDraft | null): GroupDraft {
  const next = mapTree(root, targetId, change);
  return next && next.kind === 'group' ? next : root;
}

/** Replaces the node `targetId` (a leaf edited in place, a kind switched). */
export function replaceNode(root: GroupDraft, targetId: number, node: NodeDraft): GroupDraft {
  return edit(root, targetId, () => ({ ...node, id: targetId }));
}

export function addChild(root: GroupDraft, groupId: number, child: NodeDraft): GroupDraft {
  return edit(root, groupId, (node) => (node.kind === 'group' ? { ...node, children: [...node.children, child] } : node));
}

/** Removes a node; the root cannot be removed. */
export function removeNode(root: GroupDraft, targetId: number): GroupDraft {
  if (targetId === root.id) return root;
  return edit(root, targetId, () => null);
}

export function toggleNegate(root: GroupDraft, targetId: number): GroupDraft {
  return edit(root, targetId, (node) => ({ ...node, negate: !node.negate }));
}

export function setCombinator(root: GroupDraft, groupId: number, combinator: Combinator): GroupDraft {
  return edit(root, groupId, (node) => (node.kind === 'group' ? { ...node, combinator } : node));
}

export function findNode(root: NodeDraft, targetId: number): NodeDraft | null {
  if (root.id === targetId) return root;
  if (root.kind !== 'group') return null;
  for (const child of root.children) {
    const found = findNode(child, targetId);
    if (found) return found;
  }
  return null;
}
