import { afterEach, describe, expect, it } from 'vitest';
import { type ElevenLabsSimulator, startElevenLabsSimulator } from '#sandbox/elevenlabs-simulator.ts';
import { MAX_SIZE, MIN_SIZE, type SecretKind, seedWorkspace } from '#sandbox/workspace-seed.ts';

const started: ElevenLabsSimulator[] = [];
async function simulator() {
  const sim = await startElevenLabsSimulator();
  started.push(sim);
  return sim;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.close()));
});

const ALL_KINDS: SecretKind[] = [
  'stale',
  'agent',
  'tool',
  'phone_number',
  'unknown_holder',
  'has_more',
  'env_variable',
  'not_owned',
  'protected',
  'agent_removed',
  'picked_up_in_grace',
  'picked_up_at_delete',
];

describe('seedWorkspace', () => {
  it('puts every kind of secret in the smallest workspace, each shaped as its kind says', async () => {
    const sim = await simulator();
    const ws = seedWorkspace(sim, { seed: 1, size: MIN_SIZE });
    expect(new Set(ws.secrets.map((s) => s.kind))).toEqual(new Set(ALL_KINDS));
    expect(sim.secrets.size).toBe(MIN_SIZE);
    const usedBy = (kind: SecretKind) => {
      const id = ws.secrets.find((s) => s.kind === kind)?.secretId ?? '';
      return sim.secrets.get(id)?.used_by;
    };
    expect(usedBy('agent')?.agents).toEqual([expect.objectContaining({ type: 'available' })]);
    expect(usedBy('tool')?.tools).toHaveLength(1);
    expect(usedBy('phone_number')?.phone_numbers).toHaveLength(1);
    expect(usedBy('unknown_holder')?.agents).toEqual([{ type: 'unknown', id: expect.stringMatching(/^agent_/) }]);
    expect(usedBy('has_more')?.agents_has_more || usedBy('has_more')?.tools_has_more).toBe(true);
    expect(usedBy('stale')).toMatchObject({ agents: [], tools: [], phone_numbers: [], mcp_servers: [], others: [] });
    const envSecret = ws.secrets.find((s) => s.kind === 'env_variable')?.secretId;
    const references = [...sim.environmentVariables.values()].filter(
      (v) => v.type === 'secret' && Object.values(v.values).some((value) => value.secret_id === envSecret),
    );
    expect(references).toHaveLength(1);
    for (const id of ws.removedAgent.secretIds) {
      expect(sim.secrets.get(id)?.used_by.agents).toEqual([expect.objectContaining({ id: ws.removedAgent.id })]);
    }
    const owned = (name: string) => ws.prefixes.some((prefix) => name.startsWith(prefix));
    for (const secret of ws.secrets) expect(owned(secret.name)).toBe(secret.kind !== 'not_owned');
  });

  it('seeds the same workspace for the same seed and size, and another for another seed', async () => {
    const [a, b, c] = await Promise.all([simulator(), simulator(), simulator()]);
    const first = seedWorkspace(a, { seed: 42, size: 60 });
    expect(seedWorkspace(b, { seed: 42, size: 60 })).toEqual(first);
    expect([...b.secrets.values()]).toEqual([...a.secrets.values()]);
    expect(seedWorkspace(c, { seed: 43, size: 60 }).secrets).not.toEqual(first.secrets);
  });

  it('refuses a size outside its range, naming the range and the value', async () => {
    const sim = await simulator();
    expect(() => seedWorkspace(sim, { seed: 1, size: MIN_SIZE - 1 })).toThrow(
      `size must be a whole number from ${MIN_SIZE} to ${MAX_SIZE}, received ${MIN_SIZE - 1}`,
    );
    expect(() => seedWorkspace(sim, { seed: 1, size: MAX_SIZE + 1 })).toThrow(`received ${MAX_SIZE + 1}`);
    expect(sim.secrets.size).toBe(0);
  });
});
