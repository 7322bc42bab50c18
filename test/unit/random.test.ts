import { describe, expect, it } from 'vitest';
import { dice, seededRandom, seedOf } from '#sandbox/random.ts';

const draw = (seed: number, n = 5) => Array.from({ length: n }, seededRandom(seed));

describe('seededRandom', () => {
  it('repeats its sequence for a seed, and another seed gives another sequence', () => {
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('stays in [0, 1) and spreads over it', () => {
    const values = draw(7, 10_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});

describe('seedOf and dice', () => {
  it('derives the same seed from the same parts only', () => {
    expect(seedOf(1, 'a', 2)).toBe(seedOf(1, 'a', 2));
    expect(seedOf(1, 'a', 2)).not.toBe(seedOf(1, 'a2'));
  });

  it('picks weighted keys in proportion and never a zero weight', () => {
    const roll = dice(seededRandom(3));
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 4_000; i += 1) counts[roll.weighted({ a: 3, b: 1, c: 0 })] += 1;
    expect(counts.c).toBe(0);
    expect(counts.a / counts.b).toBeGreaterThan(2.5);
    expect(counts.a / counts.b).toBeLessThan(3.5);
  });
});
