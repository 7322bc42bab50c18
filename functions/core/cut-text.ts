/**
 * The one way the core shortens text for a log line, an error message or a DLQ attribute. A cut
 * always ends in `CUT_MARK`, so the log redaction (`shared/redact.ts`) can find every cut and remove
 * what a cut may leave of an API key: the key's first characters, right before the mark.
 */

/** Ends every cut text; never part of an API key (keys are visible ASCII). */
export const CUT_MARK = '…';

/**
 * `text` when it has at most `max` characters; otherwise its first `max - 1` characters and
 * `CUT_MARK`. Never splits a surrogate pair, so the result is always well-formed UTF-16.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}${CUT_MARK}`;
}
