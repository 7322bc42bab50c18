import { describe, expect, it } from 'vitest';
import { holderName, mergeUsage, summarizeUsage } from '#core/used-by.ts';
import {
  available,
  CONVERSATION_INITIATION_WEBHOOK,
  EMPTY_USED_BY,
  phoneNumber,
  unknown,
} from '#test/helpers/used-by.ts';

const EMPTY = {
  tools: [],
  agents: [],
  phone_numbers: [],
  mcp_servers: [],
  others: [],
  tools_has_more: false,
  agents_has_more: false,
  phone_numbers_has_more: false,
};

describe('summarizeUsage', () => {
  it('reports not in use when every list is empty and no has_more flag is set', () => {
    expect(summarizeUsage(EMPTY)).toEqual({ inUse: false, unreadable: false, holders: {}, hasMore: [] });
  });

  it('reports in use and names the agents when agents is non-empty', () => {
    const usage = summarizeUsage({ ...EMPTY, agents: [{ id: 'agent_1', name: 'Support' }, { id: 'agent_2' }] });
    expect(usage.inUse).toBe(true);
    expect(usage.holders).toEqual({ agents: ['Support (agent_1)', 'agent_2'] });
  });

  it('counts an item of type unknown as a use and marks it', () => {
    const usage = summarizeUsage({ ...EMPTY, tools: [{ id: 'tool_9', type: 'unknown' }] });
    expect(usage.inUse).toBe(true);
    expect(usage.holders.tools).toEqual(['tool_9 (unknown)']);
  });

  it.each(['tools_has_more', 'agents_has_more', 'phone_numbers_has_more'])(
    'reports in use when %s is true and the lists are empty',
    (flag) => {
      const usage = summarizeUsage({ ...EMPTY, [flag]: true });
      expect(usage.inUse).toBe(true);
      expect(usage.hasMore).toEqual([flag]);
    },
  );

  it.each([undefined, null, 'none'])('reports in use when used_by is %j', (usedBy) => {
    expect(summarizeUsage(usedBy)).toEqual({ inUse: true, unreadable: true, holders: {}, hasMore: [] });
  });

  it.each(['mcp_servers', 'others'])('reports in use when %s is non-empty', (list) => {
    const usage = summarizeUsage({ ...EMPTY, [list]: ['srv_1'] });
    expect(usage.inUse).toBe(true);
    expect(usage.holders).toEqual({ [list]: ['srv_1'] });
  });

  it('reports in use when a list is not an array', () => {
    const usage = summarizeUsage({ ...EMPTY, phone_numbers: 'three' });
    expect(usage.inUse).toBe(true);
    expect(usage.holders.phone_numbers).toEqual(['(unreadable)']);
  });

  it('lists at most 10 holders per list when a list is long', () => {
    const agents = Array.from({ length: 25 }, (_, index) => ({ id: `agent_${index}` }));
    expect(summarizeUsage({ ...EMPTY, agents }).holders.agents).toHaveLength(10);
  });

  it('names an item without an id by its name, and one that names nothing as unreadable', () => {
    const usage = summarizeUsage({ ...EMPTY, tools: [{ name: 'no id' }, { access_level: 'admin' }] });
    expect(usage.holders.tools).toEqual(['no id', '(unreadable)']);
  });

  it('reports in use when used_by is an array', () => {
    expect(summarizeUsage([{ id: 'agent_1' }]).inUse).toBe(true);
  });
});

describe('summarizeUsage with incomplete used_by', () => {
  const complete = EMPTY_USED_BY;

  it('reports not in use when every list and flag is present and empty or false', () => {
    expect(summarizeUsage(complete).inUse).toBe(false);
  });

  it('reads the minimal shape (tools, agents, others only) as not in use, per the API defaults', () => {
    expect(summarizeUsage({ tools: [], agents: [], others: [] })).toEqual({
      inUse: false,
      unreadable: false,
      holders: {},
      hasMore: [],
    });
  });

  it.each(['phone_numbers', 'mcp_servers', 'tools_has_more', 'agents_has_more', 'phone_numbers_has_more'])(
    'treats a null optional field %s as its default',
    (field) => {
      expect(summarizeUsage({ ...complete, [field]: null }).inUse).toBe(false);
    },
  );

  it.each(['tools', 'agents', 'others'])(
    'reports in use and unreadable when the required %s list is missing',
    (list) => {
      const { [list as keyof typeof complete]: _dropped, ...rest } = complete;
      expect(summarizeUsage(rest)).toMatchObject({ inUse: true, unreadable: true });
    },
  );

  it.each([
    ['phone_numbers', 'none'],
    ['mcp_servers', {}],
    ['tools_has_more', 'no'],
    ['agents_has_more', 0],
  ])('reports in use and unreadable when %s is present but malformed', (field, value) => {
    expect(summarizeUsage({ ...complete, [field]: value })).toMatchObject({ inUse: true, unreadable: true });
  });
});

describe('holderName', () => {
  it.each([
    ['an available agent', available('agent_1', 'Support bot'), 'Support bot (agent_1)'],
    ['an available tool', available('tool_1', 'CRM lookup', 'viewer'), 'CRM lookup (tool_1)'],
    ['an available MCP server', available('mcp_1', 'Docs MCP'), 'Docs MCP (mcp_1)'],
    ['an unknown dependent', unknown('agent_9'), 'agent_9 (unknown)'],
    ['a phone number', phoneNumber('phnum_1', 'Main line', '+15550100'), 'Main line (+15550100, phnum_1)'],
    [
      'a phone number without a label',
      { phone_number_id: 'phnum_2', phone_number: '+15550199' },
      '+15550199 (phnum_2)',
    ],
    ['a phone number with only its id', { phone_number_id: 'phnum_3' }, 'phnum_3'],
    ['an others entry', CONVERSATION_INITIATION_WEBHOOK, 'conversation_initiation_webhook'],
    ['an item that names nothing', { created_at_unix_secs: 1 }, '(unreadable)'],
    ['a number', 7, '(unreadable)'],
  ])('names %s by its real fields', (_kind, item, expected) => {
    expect(holderName(item)).toBe(expected);
  });

  it('shortens a name longer than 100 characters', () => {
    expect(holderName(available('agent_1', 'x'.repeat(150)))).toBe(`${'x'.repeat(100)}… (agent_1)`);
  });
});

describe('summarizeUsage in the API shapes', () => {
  it('names every kind of holder when each list holds one', () => {
    const usage = summarizeUsage({
      ...EMPTY_USED_BY,
      tools: [unknown('tool_9')],
      agents: [available('agent_1', 'Support bot')],
      phone_numbers: [phoneNumber('phnum_1', 'Main line', '+15550100')],
      mcp_servers: [available('mcp_1', 'Docs MCP')],
      others: [CONVERSATION_INITIATION_WEBHOOK],
    });
    expect(usage).toEqual({
      inUse: true,
      unreadable: false,
      holders: {
        tools: ['tool_9 (unknown)'],
        agents: ['Support bot (agent_1)'],
        phone_numbers: ['Main line (+15550100, phnum_1)'],
        mcp_servers: ['Docs MCP (mcp_1)'],
        others: ['conversation_initiation_webhook'],
      },
      hasMore: [],
    });
  });
});

describe('summarizeUsage with keys the schema does not know', () => {
  it('counts a non-empty unknown list as a use, unreadable, and names its items', () => {
    const usage = summarizeUsage({ ...EMPTY_USED_BY, workflows: [available('wf_1', 'Onboarding')] });
    expect(usage).toEqual({
      inUse: true,
      unreadable: true,
      holders: { workflows: ['Onboarding (wf_1)'] },
      hasMore: [],
    });
  });

  it('counts an unknown *_has_more flag set to true as a use, unreadable', () => {
    expect(summarizeUsage({ ...EMPTY_USED_BY, workflows: [], workflows_has_more: true })).toEqual({
      inUse: true,
      unreadable: true,
      holders: {},
      hasMore: ['workflows_has_more'],
    });
  });

  it.each([
    ['an object', { count: 2 }],
    ['a number', 3],
    ['a string', 'agent_1'],
    ['true', true],
  ])('counts an unknown key holding %s as a use, unreadable', (_kind, value) => {
    expect(summarizeUsage({ ...EMPTY_USED_BY, branches: value })).toMatchObject({
      inUse: true,
      unreadable: true,
      holders: { branches: ['(unreadable)'] },
    });
  });

  it.each([[[]], [null], [false], [0], [''], [{}]])('ignores an unknown key holding %j', (value) => {
    expect(summarizeUsage({ ...EMPTY_USED_BY, workflows: value, workflows_has_more: value })).toEqual({
      inUse: false,
      unreadable: false,
      holders: {},
      hasMore: [],
    });
  });
});

describe('mergeUsage', () => {
  const unused = summarizeUsage(EMPTY_USED_BY);
  const used = summarizeUsage({ ...EMPTY_USED_BY, agents: [available('agent_1')] });

  it.each([
    ['in use, then unused', used, unused],
    ['unused, then in use', unused, used],
  ])('says in use when one observation says in use (%s)', (_order, first, second) => {
    expect(mergeUsage(first, second)).toEqual({
      inUse: true,
      unreadable: false,
      holders: { agents: ['agent_1'] },
      hasMore: [],
    });
  });

  it('keeps unreadable, the union of the holders and of the flags', () => {
    const other = summarizeUsage({ ...EMPTY_USED_BY, agents: [available('agent_2')], agents_has_more: true });
    const broken = summarizeUsage({ ...EMPTY_USED_BY, others: 'none' });
    expect(mergeUsage(mergeUsage(used, other), broken)).toEqual({
      inUse: true,
      unreadable: true,
      holders: { agents: ['agent_1', 'agent_2'], others: ['(unreadable)'] },
      hasMore: ['agents_has_more'],
    });
  });
});
