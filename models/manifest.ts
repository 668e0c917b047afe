/**
 * The models manifest (`<modelsDir>/manifest.json`): one entry per model file with its
 * sha256, input, preprocessing, labels, decoder and source. One TypeBox schema validates
 * it; `loadManifest` verifies every file's sha256 on every load (docs/models.md), so a model
 * whose file does not match its manifest never runs.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Static, Type as T } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { XlError } from '../contracts/errors.js';

const Num3 = T.Tuple([T.Number(), T.Number(), T.Number()]);

export const Preprocess = T.Object(
  {
    resize: T.Union([T.Literal('letterbox'), T.Literal('stretch')], {
      description: 'Keep aspect with padding, or stretch to the input size',
    }),
    channels: T.Union([T.Literal('RGB'), T.Literal('BGR')], {
      description: 'Channel order the model expects',
    }),
    mean: Num3,
    std: Num3,
    padValue: T.Number({ default: 114, description: 'Letterbox fill, 0..255' }),
  },
  {
    additionalProperties: false,
    description: 'value = (pixel - mean) / std, per channel in the model order',
  },
);
export type Preprocess = Static<typeof Preprocess>;

export const ModelInput = T.Object(
  {
    name: T.String(),
    width: T.Integer({ minimum: 0, description: '0: dynamic' }),
    height: T.Integer({ minimum: 0, description: '0: dynamic' }),
    layout: T.Union([T.Literal('NCHW'), T.Literal('NHWC')]),
  },
  { additionalProperties: false },
);
export type ModelInput = Static<typeof ModelInput>;

export const GflDecoder = T.Object(
  {
    kind: T.Literal('gfl'),
    strides: T.Array(T.Integer({ minimum: 1 })),
    regMax: T.Integer({ minimum: 1, description: 'Bins per side minus one (NanoDet-g 10, PicoDet 7)' }),
    cellOffset: T.Number({ description: 'Anchor centre offset in cells (0.5: centre of the cell)' }),
    scores: T.Array(T.String(), { description: 'Score output per level, [1, HW, C], sigmoid applied' }),
    boxes: T.Array(T.String(), {
      description: 'Distribution output per level, [1, HW, 4*(regMax+1)], logits',
    }),
  },
  { additionalProperties: false },
);
export const YoloDecoder = T.Object(
  {
    kind: T.Literal('yolov8'),
    output: T.String({ description: '[1, 4+C, N]: cx, cy, w, h then class scores' }),
  },
  { additionalProperties: false },
);
export const CenterNetDecoder = T.Object(
  {
    kind: T.Literal('centernet'),
    heatmap: T.String({ description: '[1, H, W, C] sigmoid heatmap (NHWC)' }),
    sizes: T.String({ description: '[1, H, W, 4] distances left, top, right, bottom in input pixels' }),
    stride: T.Integer({ minimum: 1 }),
    topK: T.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export const PlateDetectorDecoder = T.Object(
  {
    kind: T.Literal('yolov5-face-plate'),
    output: T.String(),
    rowScores: T.Integer({ description: 'Trailing single/double-row scores' }),
  },
  { additionalProperties: false },
);
export const TextDetDecoder = T.Object(
  { kind: T.Literal('db'), output: T.String() },
  { additionalProperties: false },
);
export const CtcDecoder = T.Object(
  {
    kind: T.Literal('ctc'),
    output: T.String(),
    dictionary: T.String({ description: 'File with one symbol per line (blank is index 0)' }),
  },
  { additionalProperties: false },
);
export const BlazeFaceDecoder = T.Object(
  {
    kind: T.Literal('blazeface'),
    strides: T.Array(T.Integer({ minimum: 1 }), { description: 'Anchor grid stride per level, input px' }),
    anchorsPerCell: T.Array(T.Integer({ minimum: 1 }), { description: 'Anchors per grid cell per level' }),
    scores: T.Array(T.String(), { description: 'Score logits per level, [1, N, 1]' }),
    boxes: T.Array(T.String(), {
      description: 'Regressors per level, [1, N, 16]: dx, dy, w, h, 6 keypoints',
    }),
  },
  { additionalProperties: false },
);
export const MoveNetDecoder = T.Object(
  {
    kind: T.Literal('movenet'),
    heatmap: T.String({ description: 'Keypoint heatmaps after sigmoid, [1, 48, 48, 17]' }),
    centre: T.String({
      description: 'Person-centre score weighted towards the input centre, [1, 48, 48, 1]',
    }),
    regress: T.String({ description: 'Keypoint offsets from the centre, grid cells, [1, 48, 48, 34]' }),
    offset: T.String({ description: 'Sub-cell keypoint offsets, [1, 48, 48, 34]' }),
  },
  { additionalProperties: false },
);
export const ClassifyDecoder = T.Object(
  { kind: T.Literal('softmax'), output: T.String() },
  { additionalProperties: false },
);

export const Decoder = T.Union([
  GflDecoder,
  YoloDecoder,
  CenterNetDecoder,
  PlateDetectorDecoder,
  TextDetDecoder,
  CtcDecoder,
  ClassifyDecoder,
  BlazeFaceDecoder,
  MoveNetDecoder,
]);
export type Decoder = Static<typeof Decoder>;

export const ModelSource = T.Object(
  {
    package: T.Optional(T.String({ description: 'npm package@version the file was built from' })),
    path: T.Optional(T.String({ description: 'Path inside the package' })),
    tarballSha256: T.Optional(T.String()),
    url: T.Optional(T.String({ description: 'Public download URL (catalogue models)' })),
    licence: T.Optional(T.String()),
    converter: T.Optional(T.String({ description: 'How the file was produced' })),
  },
  { additionalProperties: false },
);

export const ModelEntry = T.Object(
  {
    name: T.String(),
    task: T.Union([
      T.Literal('detect'),
      T.Literal('text-detect'),
      T.Literal('text-recognise'),
      T.Literal('plate-detect'),
      T.Literal('classify'),
      T.Literal('face-detect'),
      T.Literal('pose'),
    ]),
    file: T.String({ description: 'Path relative to the models directory' }),
    sha256: T.String({ pattern: '^[0-9a-f]{64}$' }),
    input: ModelInput,
    preprocess: Preprocess,
    labels: T.Array(T.String(), { default: [] }),
    decoder: Decoder,
    source: ModelSource,
  },
  { additionalProperties: false },
);
export type ModelEntry = Static<typeof ModelEntry>;

export const Manifest = T.Object(
  {
    version: T.Literal(1),
    build: T.String({ description: 'Build recipe id; a different id means rebuild' }),
    models: T.Array(ModelEntry),
  },
  { additionalProperties: false },
);
export type Manifest = Static<typeof Manifest>;

export const MANIFEST_FILE = 'manifest.json';

/** The default models directory under a user's cache (the caller passes the home dir). */
export function defaultModelsDir(home: string = homedir()): string {
  return join(home, '.cache', 'xueliang', 'models');
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Parses and validates manifest JSON text. */
export function parseManifest(text: string, where: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new XlError('MODEL_MANIFEST_INVALID', `${where}: not valid JSON`, { where }, { cause: e });
  }
  if (!Value.Check(Manifest, json)) {
    const first = Value.Errors(Manifest, json).First();
    throw new XlError(
      'MODEL_MANIFEST_INVALID',
      `${where}: ${first?.path ?? ''} ${first?.message ?? 'invalid'}`,
      { where },
    );
  }
  return json;
}

/** Reads the manifest without hashing files (listing, idempotence checks). */
export function readManifest(modelsDir: string): Manifest | undefined {
  const p = join(modelsDir, MANIFEST_FILE);
  if (!existsSync(p)) return undefined;
  return parseManifest(readFileSync(p, 'utf8'), p);
}

/** Verifies one entry's file against its sha256; returns the absolute path. */
export async function verifyEntry(modelsDir: string, e: ModelEntry): Promise<string> {
  const p = join(modelsDir, e.file);
  if (!existsSync(p))
    throw new XlError(
      'MODEL_FILE_MISSING',
      `model ${e.name}: file ${p} is missing (run 'xueliang models build')`,
      { name: e.name, path: p },
    );
  const got = await sha256File(p);
  if (got !== e.sha256) {
    throw new XlError(
      'MODEL_SHA_MISMATCH',
      `model ${e.name}: ${p} has sha256 ${got}, manifest says ${e.sha256}`,
      { name: e.name, path: p },
    );
  }
  return p;
}

/**
 * A model by name, its file verified against the manifest. Throws MODEL_NOT_BUILT when the
 * directory has no manifest, MODEL_UNKNOWN when no entry has that name.
 */
export async function loadModel(
  modelsDir: string,
  name: string,
): Promise<{ entry: ModelEntry; path: string }> {
  const m = readManifest(modelsDir);
  if (!m)
    throw new XlError(
      'MODEL_NOT_BUILT',
      `no ${MANIFEST_FILE} in ${modelsDir} (run 'xueliang models build')`,
      { modelsDir },
    );
  const entry = m.models.find((e) => e.name === name);
  if (!entry) {
    throw new XlError(
      'MODEL_UNKNOWN',
      `no model '${name}' in ${modelsDir}; have: ${m.models.map((e) => e.name).join(', ')}`,
      { name },
    );
  }
  return { entry, path: await verifyEntry(modelsDir, entry) };
}
