/**
 * Seeded randomness for the sandbox and the fault soak, so that a run can be repeated from its seed.
 * mulberry32 (a 32-bit generator, ample for test schedules) and a string hash to derive sub-seeds.
 */
import type { Random } from '#core/ports.ts';

/** Uniform in [0, 1), like Math.random, from a 32-bit seed. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A 32-bit seed from any parts (FNV-1a over their text): the same parts always give the same seed. */
export function seedOf(...parts: readonly (string | number)[]): number {
  let hash = 0x811c9dc5;
  for (const char of parts.join('\u0000')) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Helpers over one generator. */
export function dice(random: Random) {
  return {
    random,
    /** True with probability `p`. */
    chance: (p: number) => random() < p,
    /** A whole number in [min, max]. */
    int: (min: number, max: number) => min + Math.floor(random() * (max - min + 1)),
    pick<T>(items: readonly T[]): T {
      const item = items[Math.floor(random() * items.length)];
      if (item === undefined) throw new Error('pick needs at least one item');
      return item;
    },
    /** A key of `weights`, chosen in proportion to its weight. */
    weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
      const entries = Object.entries(weights) as [K, number][];
      let roll = random() * entries.reduce((sum, [, weight]) => sum + weight, 0);
      for (const [key, weight] of entries) {
        roll -= weight;
        if (roll < 0) return key;
      }
      return entries[entries.length - 1]?.[0] as K;
    },
    /** A shuffled copy (Fisher-Yates). */
    shuffle<T>(items: readonly T[]): T[] {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i -= 1) {
        const j = Math.floor(random() * (i + 1));
        [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
      }
      return copy;
    },
    /** `length` characters of [A-Za-z0-9]. */
    token(length: number): string {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
      let text = '';
      for (let i = 0; i < length; i += 1) text += alphabet[Math.floor(random() * alphabet.length)];
      return text;
    },
  };
}
export type Dice = ReturnType<typeof dice>;
