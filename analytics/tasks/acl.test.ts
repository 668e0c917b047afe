import { describe, expect, it } from 'vitest';
import { mayReadTaskTopic } from './acl.js';
import { OrgTree } from '../../contracts/org-tree.js';

const grid = (id: string) => ({ id, name: id, kind: 'grid' as const, children: [] });
const tree = new OrgTree({
  orgs: [
    {
      id: 'city',
      name: 'c',
      kind: 'city',
      children: [
        {
          id: 'town-a',
          name: 't',
          kind: 'town',
          children: [
            { id: 'village-a', name: 'v', kind: 'village', children: [grid('grid-a'), grid('grid-b')] },
          ],
        },
      ],
    },
  ],
  cameras: [],
});

describe('mayReadTaskTopic', () => {
  it.each([
    ['grid-a', 'xueliang/v1/grid/grid-a/tasks', true],
    ['grid-a', 'xueliang/v1/grid/grid-b/tasks', false],
    ['grid-a', 'xueliang/v1/grid/village-a/tasks', false],
    ['village-a', 'xueliang/v1/grid/grid-b/tasks', true],
    ['village-a', 'xueliang/v1/grid/village-a/tasks', true],
    ['town-a', 'xueliang/v1/grid/+/tasks', false],
    ['city', 'xueliang/v1/grid/+/tasks', true],
    ['city', 'xueliang/v1/gw/+/hits', false],
    ['grid-a', 'xueliang/v1/gw/gw-1/ack', false],
    ['nobody', 'xueliang/v1/grid/grid-a/tasks', false],
  ])('%s → %s: %s', (org, filter, want) => expect(mayReadTaskTopic(tree, org, filter)).toBe(want));
});
