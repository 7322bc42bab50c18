import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PUBLISHED, renderSchema } from '#scripts/schemas.ts';

describe('published JSON Schemas', () => {
  it.each(Object.keys(PUBLISHED))('matches the worker schema for %s (run `npm run schemas` after a change)', (file) => {
    expect(readFileSync(`schemas/${file}`, 'utf8')).toBe(renderSchema(file));
  });

  it('forbids unknown fields and pins the secret id pattern in the deletion request', () => {
    const schema = JSON.parse(renderSchema('deletion-request.schema.json'));
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.secretId.pattern).toBe('^[A-Za-z0-9_-]{1,128}$');
    expect(schema.required).toEqual(['secretId']);
  });
});
