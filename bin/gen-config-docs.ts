/** Writes docs/config.md from the config schemas (`npm run docs:config`). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configReference } from '../contracts/config/docs.js';
import { projectRoot } from '../contracts/paths.js';

const file = join(projectRoot, 'docs', 'config.md');
writeFileSync(file, configReference());
process.stdout.write(`wrote ${file}\n`);
