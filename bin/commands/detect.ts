import { DEFAULT_DETECTOR } from '../../models/build.js';
import { readImage } from '../../models/frame.js';
import { openDetector } from '../../models/runtime.js';
import { defineCommand, int, str, UsageError } from '../cli.js';
import { modelsDirFrom } from './models.js';

export default defineCommand({
  name: 'detect',
  summary: 'Detect objects in an image with a manifest model',
  options: {
    image: { type: 'string', arg: 'FILE', description: 'Image file (JPEG, PNG, WebP…)' },
    model: {
      type: 'string',
      arg: 'NAME',
      description: 'Model name from the manifest',
      default: DEFAULT_DETECTOR,
    },
    json: { type: 'boolean', description: 'Print JSON: [{label, score, box:[x1,y1,x2,y2]}] in pixels' },
    'min-score': { type: 'string', arg: 'P', description: 'Minimum score 0..1', default: '0.35' },
    threads: { type: 'string', arg: 'N', description: 'Inference threads', default: '2' },
    'models-dir': { type: 'string', arg: 'DIR', description: 'Models directory (default: the user cache)' },
  },
  details: 'Builds the default models on first use (xueliang models build).',
  async run({ values }) {
    const image = str(values, 'image');
    if (!image) throw new UsageError('--image FILE is required');
    const minScore = Number(str(values, 'min-score'));
    if (!(minScore >= 0 && minScore <= 1)) throw new UsageError('--min-score must be a number from 0 to 1');
    const frame = await readImage(image);
    const det = await openDetector({
      modelsDir: modelsDirFrom(values),
      name: str(values, 'model') ?? DEFAULT_DETECTOR,
      threads: int(values, 'threads', 1, 64) ?? 2,
      progress: (l) => process.stderr.write(`models: ${l}\n`),
    });
    const d = await det.detect(frame, { minScore });
    const rows = d.toRows().map((r) => ({
      label: det.labels[r.classId] ?? String(r.classId),
      score: Math.round(r.score * 1000) / 1000,
      box: r.box.map((v) => Math.round(v * 10) / 10),
    }));
    if (values.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
    else
      for (const r of rows)
        process.stdout.write(`${r.label.padEnd(16)}${r.score.toFixed(3)}  [${r.box.join(', ')}]\n`);
    return 0;
  },
});
