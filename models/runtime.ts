/**
 * Composition helpers for callers (CLI, edge agent, bench): open a detector by manifest
 * name, building the default models on first use.
 */
import { buildModels, DEFAULT_DETECTOR, FACE_DETECTOR } from './build.js';
import { OnnxDetector } from './detector.js';
import { OnnxFaceDetector } from './face/face-detector.js';
import { loadModel } from './manifest.js';
import { SessionCache } from './onnx-session.js';

export interface OpenDetectorOptions {
  modelsDir: string;
  name?: string;
  threads?: number;
  sessions?: SessionCache;
  /** Run `models build` first when the directory is missing or stale (default true). */
  build?: boolean;
  progress?: (line: string) => void;
}

/** Opens a detector from the manifest (file sha256-verified), one shared session per model. */
export async function openDetector(opts: OpenDetectorOptions): Promise<OnnxDetector> {
  if (opts.build !== false)
    await buildModels({ modelsDir: opts.modelsDir, ...(opts.progress ? { progress: opts.progress } : {}) });
  const { entry, path } = await loadModel(opts.modelsDir, opts.name ?? DEFAULT_DETECTOR);
  const sessions = opts.sessions ?? new SessionCache();
  return new OnnxDetector(entry, await sessions.get(path, { threads: opts.threads ?? 2 }));
}

/** Opens the face detector used to blur snapshots (docs/privacy.md), one shared session. */
export async function openFaceDetector(opts: OpenDetectorOptions): Promise<OnnxFaceDetector> {
  if (opts.build !== false)
    await buildModels({ modelsDir: opts.modelsDir, ...(opts.progress ? { progress: opts.progress } : {}) });
  const { entry, path } = await loadModel(opts.modelsDir, opts.name ?? FACE_DETECTOR);
  const sessions = opts.sessions ?? new SessionCache();
  return new OnnxFaceDetector(entry, await sessions.get(path, { threads: opts.threads ?? 1 }));
}
