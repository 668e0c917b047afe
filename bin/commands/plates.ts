import { resolve } from 'node:path';
import { buildModels } from '../../models/build.js';
import { readImage } from '../../models/frame.js';
import { displayPlate } from '../../contracts/plates.js';
import { PlateReader } from '../../models/plates/reader.js';
import { defineCommand, int, str, UsageError } from '../cli.js';
import { modelsDirFrom } from './models.js';

export default defineCommand({
  name: 'plates',
  summary: 'Read Chinese licence plates in an image (PP-OCRv4; optional plate detector)',
  options: {
    image: { type: 'string', arg: 'FILE', description: 'Image file' },
    'plate-model': {
      type: 'string',
      arg: 'FILE',
      description: 'Plate detector ONNX (YOLOv5-face 4-corner format) or a pulled model name, used first',
    },
    json: {
      type: 'boolean',
      description: 'Print JSON: [{text, score, box}] (text canonical, e.g. 苏ED51712)',
    },
    'min-score': {
      type: 'string',
      arg: 'P',
      description: 'Minimum mean character probability',
      default: '0.75',
    },
    threads: { type: 'string', arg: 'N', description: 'Inference threads', default: '2' },
    'models-dir': { type: 'string', arg: 'DIR', description: 'Models directory (default: the user cache)' },
  },
  async run({ values }) {
    const image = str(values, 'image');
    if (!image) throw new UsageError('--image FILE is required');
    const minScore = Number(str(values, 'min-score'));
    if (!(minScore >= 0 && minScore <= 1)) throw new UsageError('--min-score must be a number from 0 to 1');
    const frame = await readImage(image);
    const modelsDir = modelsDirFrom(values);
    await buildModels({ modelsDir, progress: (l) => process.stderr.write(`models: ${l}\n`) });
    const plateModel = str(values, 'plate-model');
    const reader = await PlateReader.open({
      modelsDir,
      minScore,
      threads: int(values, 'threads', 1, 64) ?? 2,
      ...(plateModel ? { plateModel: plateModel.endsWith('.onnx') ? resolve(plateModel) : plateModel } : {}),
    });
    const plates = await reader.readPlates(frame);
    const rows = plates.map((p) => ({
      text: p.text,
      score: Math.round(p.score * 1000) / 1000,
      box: p.box.map((v) => Math.round(v)),
      rows: p.rows,
    }));
    if (values.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
    else
      for (const r of rows)
        process.stdout.write(`${displayPlate(r.text)}  ${r.score.toFixed(3)}  [${r.box.join(', ')}]\n`);
    return 0;
  },
});
