import { describe, expect, it } from 'vitest';
import { summarizeUsage } from '#core/used-by.ts';
import { EMPTY_USED_BY } from '#test/helpers/used-by.ts';

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

  it('reports in use and lists the agent ids when agents is non-empty', () => {
    const usage = summarizeUsage({ ...EMPTY, agents: [{ id: 'agent_1', name: 'Support' }, { id: 'agent_2' }] });
    expect(usage.inUse).toBe(true);
    expect(usage.holders).toEqual({ agents: ['agent_1', 'agent_2'] });
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

  it('names an item without an id as unreadable', () => {
    expect(summarizeUsage({ ...EMPTY, tools: [{ name: 'no id' }] }).holders.tools).toEqual(['(unreadable)']);
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
