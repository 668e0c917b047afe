#!/usr/bin/env node
// The `xueliang` command. Runs the compiled CLI from dist/ when `npm run build` has made it,
// else the TypeScript sources through tsx (a development checkout).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'bin', 'main.js');
if (existsSync(compiled) && !process.env.XUELIANG_FROM_SOURCE) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'bin', 'main.ts')).href);
}
