import { mkdirSync, writeFileSync } from 'node:fs';
import { PUBLISHED, renderSchema } from './schemas.ts';

mkdirSync('schemas', { recursive: true });
for (const file of Object.keys(PUBLISHED)) {
  writeFileSync(`schemas/${file}`, renderSchema(file));
  console.log(`wrote schemas/${file}`);
}
