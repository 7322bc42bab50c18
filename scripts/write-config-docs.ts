import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigDocs } from './config-docs.ts';

const PAGE = 'docs/configuration.md';
writeFileSync(PAGE, renderConfigDocs(readFileSync(PAGE, 'utf8')));
execFileSync('npx', ['biome', 'format', '--write', PAGE], { stdio: 'inherit' });
console.log(`wrote ${PAGE}`);
