import { describe, expect, it } from 'vitest';
import { redact, registerSecret } from '#shared/redact.ts';

describe('redact', () => {
  it('replaces a registered secret in strings at any depth of a log object', () => {
    registerSecret('sk_unit_redact_0123456789');
    const line = {
      detail: 'bad key sk_unit_redact_0123456789',
      nested: { list: ['x sk_unit_redact_0123456789 y'] },
      n: 3,
    };
    expect(redact(line)).toEqual({ detail: 'bad key [redacted]', nested: { list: ['x [redacted] y'] }, n: 3 });
  });

  it('leaves values without a registered secret unchanged', () => {
    registerSecret('sk_unit_redact_abcdef0123');
    expect(redact({ secretId: 'sec_a', status: 422 })).toEqual({ secretId: 'sec_a', status: 422 });
  });

  it('ignores values too short to be keys, so ordinary words are never redacted', () => {
    registerSecret('short');
    expect(redact('a short message')).toBe('a short message');
  });
});
