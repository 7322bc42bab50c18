import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CUT_MARK, cutText } from '#core/cut-text.ts';

describe('cutText', () => {
  it('returns the text unchanged when it fits', () => {
    expect(cutText('abc', 3)).toBe('abc');
  });

  it('keeps max - 1 characters and ends with the cut mark when the text is longer', () => {
    expect(cutText('abcdef', 4)).toBe(`abc${CUT_MARK}`);
  });

  it('drops a high surrogate instead of splitting a surrogate pair at the cut', () => {
    expect(cutText('ab😀cd', 4)).toBe(`ab${CUT_MARK}`);
  });

  it('never returns more than max characters, keeps a prefix, and marks every cut (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.integer({ min: 1, max: 320 }), (text, max) => {
        const cut = cutText(text, max);
        expect(cut.length).toBeLessThanOrEqual(max);
        if (text.length <= max) expect(cut).toBe(text);
        else {
          expect(cut.endsWith(CUT_MARK)).toBe(true);
          expect(text.startsWith(cut.slice(0, -1))).toBe(true);
          expect(cut.isWellFormed() || !text.slice(0, cut.length - 1).isWellFormed()).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
