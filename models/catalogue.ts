/**
 * Optional models: public source URL, sha256 and manifest entry template. `models pull NAME`
 * downloads (users with internet) or `--from FILE` installs a local copy; either way the
 * file must match the sha256 here. The sha256 values were measured on the copies in
 * ../shared/data/models, taken from the upstream commits named in the URLs.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { XlError } from '../contracts/errors.js';
import { COCO_LABELS } from './coco-labels.js';
import { MANIFEST_FILE, type Manifest, type ModelEntry, readManifest, sha256File } from './manifest.js';

export interface CatalogueItem {
  url: string;
  sha256: string;
  summary: string;
  entry: Omit<ModelEntry, 'sha256' | 'file' | 'source'> & { fileName: string; licence: string };
}

export const PLATE_DETECTOR = 'plate-detect-y5fu-320';

export const CATALOGUE: Readonly<Record<string, CatalogueItem>> = Object.freeze({
  'picodet-xs-320': {
    url: 'https://github.com/PaddlePaddle/PaddleDetection/raw/4e8cb7cd1c8d9c69ea40da74a0c4720d7b986166/deploy/third_engine/demo_openvino/python/out_onnxsim/picodet_xs_320_processed.onnx',
    sha256: 'e83deca19863b127e702ae340ed7f7455334471886f0251413be459142a08aec',
    summary: 'PicoDet-XS 320, COCO 80, GFL heads at strides 8/16/32/64 (reg_max 7)',
    entry: {
      name: 'picodet-xs-320',
      fileName: 'picodet_xs_320.onnx',
      licence: 'Apache-2.0',
      task: 'detect',
      input: { name: 'image', width: 320, height: 320, layout: 'NCHW' },
      // PaddleDetection's demo: RGB, ImageNet mean/std, stretched to the input size.
      preprocess: {
        resize: 'stretch',
        channels: 'RGB',
        mean: [123.675, 116.28, 103.53],
        std: [58.395, 57.12, 57.375],
        padValue: 0,
      },
      labels: [...COCO_LABELS],
      decoder: {
        kind: 'gfl',
        strides: [8, 16, 32, 64],
        regMax: 7,
        cellOffset: 0.5,
        scores: ['transpose_0.tmp_0', 'transpose_2.tmp_0', 'transpose_4.tmp_0', 'transpose_6.tmp_0'],
        boxes: ['transpose_1.tmp_0', 'transpose_3.tmp_0', 'transpose_5.tmp_0', 'transpose_7.tmp_0'],
      },
    },
  },
  [PLATE_DETECTOR]: {
    url: 'https://github.com/szad670401/HyperLPR/raw/2c34754/resource/models/onnx/y5fu_320x_sim.onnx',
    sha256: '2a985dc63a5cc947ec36d18503d6fc0fd54525b9dba17f2fe29a71e86b44456d',
    summary: 'Chinese plate detector (YOLOv5-face style, 4 corners, single/double row)',
    entry: {
      name: PLATE_DETECTOR,
      fileName: 'plate_detect_y5fu_320.onnx',
      licence: 'Apache-2.0',
      task: 'plate-detect',
      input: { name: 'input', width: 320, height: 320, layout: 'NCHW' },
      preprocess: {
        resize: 'letterbox',
        channels: 'RGB',
        mean: [0, 0, 0],
        std: [255, 255, 255],
        padValue: 0,
      },
      labels: ['single', 'double'],
      decoder: { kind: 'yolov5-face-plate', output: 'output', rowScores: 2 },
    },
  },
  'plate-colour-cls-96': {
    url: 'https://github.com/szad670401/HyperLPR/raw/2c34754/resource/models/onnx/litemodel_cls_96x_r1.onnx',
    sha256: 'fe123688d3bf08b9ef029fcd57f3ac4644ac2e5ef8b9e7a676aacd5fad152142',
    summary: 'Plate colour classifier (blue/green/yellow) on a plate crop',
    entry: {
      name: 'plate-colour-cls-96',
      fileName: 'plate_colour_cls_96.onnx',
      licence: 'Apache-2.0',
      task: 'classify',
      input: { name: 'data', width: 96, height: 96, layout: 'NCHW' },
      preprocess: { resize: 'stretch', channels: 'RGB', mean: [0, 0, 0], std: [255, 255, 255], padValue: 0 },
      labels: ['blue', 'green', 'yellow'],
      decoder: { kind: 'softmax', output: 'output' },
    },
  },
});

/** The manifest entry for a catalogue model stored at `file` (relative to the models dir). */
export function catalogueEntry(name: string, file: string): ModelEntry {
  const item = CATALOGUE[name];
  if (!item)
    throw new XlError(
      'MODEL_UNKNOWN',
      `no catalogue model '${name}'; have: ${Object.keys(CATALOGUE).join(', ')}`,
      { name },
    );
  const { fileName: _f, licence, ...rest } = item.entry;
  return { ...rest, file, sha256: item.sha256, source: { url: item.url, licence } };
}

export interface PullOptions {
  modelsDir: string;
  name: string;
  /** Install this local file instead of downloading. */
  from?: string;
  progress?: (line: string) => void;
  /** Download function (default global fetch). */
  download?: (url: string) => Promise<Uint8Array>;
}

/** Installs a catalogue model into the models dir and its manifest. */
export async function pullModel(opts: PullOptions): Promise<ModelEntry> {
  const item = CATALOGUE[opts.name];
  if (!item)
    throw new XlError(
      'MODEL_UNKNOWN',
      `no catalogue model '${opts.name}'; have: ${Object.keys(CATALOGUE).join(', ')}`,
      { name: opts.name },
    );
  const log = opts.progress ?? (() => {});
  const rel = join('catalogue', item.entry.fileName);
  const dest = join(opts.modelsDir, rel);
  mkdirSync(join(dest, '..'), { recursive: true });
  const tmp = `${dest}.tmp`;
  if (opts.from) {
    if (!existsSync(opts.from))
      throw new XlError('MODEL_FILE_MISSING', `--from ${opts.from} does not exist`, { path: opts.from });
    log(`copying ${opts.from}`);
    copyFileSync(opts.from, tmp);
  } else {
    log(`downloading ${item.url}`);
    const dl =
      opts.download ??
      (async (url: string) => {
        const res = await fetch(url);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return new Uint8Array(await res.arrayBuffer());
      });
    try {
      writeFileSync(tmp, await dl(item.url));
    } catch (e) {
      throw new XlError(
        'MODEL_FETCH_FAILED',
        `cannot download ${item.url}: ${(e as Error).message} (use --from FILE with a local copy)`,
        { url: item.url },
        { cause: e },
      );
    }
  }
  const got = await sha256File(tmp);
  if (got !== item.sha256) {
    rmSync(tmp, { force: true });
    throw new XlError(
      'MODEL_SHA_MISMATCH',
      `${basename(opts.from ?? item.url)} has sha256 ${got}, catalogue says ${item.sha256}`,
      { name: opts.name },
    );
  }
  copyFileSync(tmp, dest);
  rmSync(tmp);
  const entry = catalogueEntry(opts.name, rel);
  const m: Manifest = readManifest(opts.modelsDir) ?? { version: 1, build: '', models: [] };
  const models = [...m.models.filter((e) => e.name !== entry.name), entry];
  writeFileSync(join(opts.modelsDir, MANIFEST_FILE), `${JSON.stringify({ ...m, models }, null, 2)}\n`);
  log(`installed ${opts.name} → ${dest} (sha256 verified)`);
  return entry;
}
