/** Writes docs/asyncapi.yaml from the MQTT contracts (`npm run docs:asyncapi`; contracts/asyncapi.ts). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncApiYaml } from '../contracts/asyncapi-yaml.js';
import { projectRoot } from '../contracts/paths.js';

const file = join(projectRoot, 'docs', 'asyncapi.yaml');
writeFileSync(file, asyncApiYaml());
process.stdout.write(`wrote ${file}\n`);
