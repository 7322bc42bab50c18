/** The smallest piece of a key that counts as a leak. */
export const MIN_FRAGMENT = 8;

/**
 * Every run of text made of 8-character pieces of `key` (so every fragment of the key of at least
 * 8 characters, and the whole key), with where it starts. Empty when the text holds no such fragment.
 */
export function keyFragments(key: string, text: string): { at: number; fragment: string }[] {
  const pieces = new Set<string>();
  for (let start = 0; start + MIN_FRAGMENT <= key.length; start += 1)
    pieces.add(key.slice(start, start + MIN_FRAGMENT));
  const found: { at: number; fragment: string }[] = [];
  let runStart = -1;
  let runEnd = -1;
  for (let at = 0; at + MIN_FRAGMENT <= text.length; at += 1) {
    if (!pieces.has(text.slice(at, at + MIN_FRAGMENT))) continue;
    if (at > runEnd) {
      if (runStart >= 0) found.push({ at: runStart, fragment: text.slice(runStart, runEnd) });
      runStart = at;
    }
    runEnd = at + MIN_FRAGMENT;
  }
  if (runStart >= 0) found.push({ at: runStart, fragment: text.slice(runStart, runEnd) });
  return found;
}
