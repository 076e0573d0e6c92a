import { describe, expect, it } from 'vitest';
import { ACTIONS, leastRoleFor, ROLE_ACTIONS, roleAllows, ROLES } from '../../src/access/roles';

describe('roles', () => {
  it('grant exactly the documented actions', () => {
    expect(ROLE_ACTIONS.viewer).toEqual(['aggregates.read', 'live.read']);
    expect(ROLE_ACTIONS.analyst).toEqual(['aggregates.read', 'live.read', 'data.read', 'data.export', 'imports.write']);
    expect([...ROLE_ACTIONS.admin].sort()).toEqual(Object.keys(ACTIONS).sort());
  });

  it('are ordered: each role can do everything the one below it can', () => {
    for (const [lower, higher] of [['viewer', 'analyst'], ['analyst', 'admin']] as const) {
      for (const action of ROLE_ACTIONS[lower]) expect(roleAllows(higher, action)).toBe(true);
    }
  });

  it('name the least role an action needs', () => {
    expect(leastRoleFor('aggregates.read')).toBe('viewer');
    expect(leastRoleFor('data.read')).toBe('analyst');
    expect(leastRoleFor('data.export')).toBe('analyst');
    expect(leastRoleFor('erasure.manage')).toBe('admin');
    expect(ROLES).toEqual(['viewer', 'analyst', 'admin']);
  });
});
