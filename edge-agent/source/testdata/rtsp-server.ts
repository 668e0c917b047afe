/**
 * Test helper: runs rtsp-server.py (GStreamer's RTSP server) as a child process, and says
 * why it cannot when GStreamer's Python bindings are missing.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../contracts/net.js';

export { freePort };

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'rtsp-server.py');

export const GST_PACKAGES =
  'python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav';

/** Undefined when the RTSP server can run; else the reason to skip. */
export function rtspServerUnavailable(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found; install: apt-get install -y ${GST_PACKAGES}`;
  const r = spawnSync(
    PYTHON,
    ['-c', "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0)
    return `GStreamer RTSP server bindings missing (${r.stderr.trim().split('\n').pop()}); install: apt-get install -y ${GST_PACKAGES}`;
  return undefined;
}

/** A free TCP port on 127.0.0.1. */

export interface RtspServer {
  url: string;
  proc: ChildProcess;
  kill(): Promise<void>;
}

/** Starts the server on `port` serving `file`; resolves when it listens. */
export async function startRtspServer(file: string, port: number): Promise<RtspServer> {
  const proc = spawn(PYTHON, [SCRIPT, file, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rtsp-server.py did not start: ${stderr}`)), 10_000);
    proc.stdout!.on('data', (d: Buffer) => {
      const m = /READY (\S+)/.exec(d.toString());
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rtsp-server.py exited with ${code}: ${stderr}`));
    });
  });
  return {
    url,
    proc,
    kill: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGKILL');
      }),
  };
}
