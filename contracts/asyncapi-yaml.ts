/** docs/asyncapi.yaml's text: the generated document as YAML, with a header saying how it is made. */
import { stringify } from 'yaml';
import { asyncApiDocument } from './asyncapi.js';

export function asyncApiYaml(): string {
  return `# Generated from contracts/ by \`npm run docs:asyncapi\` (contracts/asyncapi.ts); do not edit.\n${stringify(asyncApiDocument(), { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
