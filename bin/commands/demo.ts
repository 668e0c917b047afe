/**
 * `xueliang demo [--source FILE|URL ...]`: `xueliang up` plus an in-process edge agent with
 * one camera per source (gateway gw-demo, cameras cam-demo-1..3 of the sample city), example
 * zones and rules that fire on ordinary street footage, and pointers to where hits show up.
 *
 * Without --source it plays OpenCV's `vtest.avi` (pedestrians on a campus path, Apache-2.0 /
 * BSD-3-Clause) from Debian's `opencv-doc` package, fetched once with `apt-get download` into
 * the cache and unpacked with `dpkg-deb -x` — no model hub or test media needed.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import { stringify } from 'yaml';
import { loadGatewayConfig } from '../../contracts/config/index.js';
import { errorMessage, XlError } from '../../contracts/errors.js';
import { rootLogger } from '../../contracts/log.js';
import { EdgeAgent } from '../../edge-agent/agent.js';
import { SensorGatewaySim } from '../../edge-agent/sensors/gateway-sim.js';
import { simSensorsFromCity } from '../../edge-agent/sensors/simulate.js';
import { isStreamUrl } from '../../edge-agent/source/camera-source.js';
import { buildModels } from '../../models/build.js';
import { defaultModelsDir } from '../../models/manifest.js';
import { defineCommand, int, strings, UsageError } from '../cli.js';
import { onShutdown } from '../stack.js';
import { startUp, UP_OPTIONS } from '../up-core.js';
import { freePort } from '../../contracts/net.js';

const DEMO_GATEWAY = 'gw-demo';
/** Cameras of gw-demo in deploy/city.yaml. */
const DEMO_CAMERAS = ['cam-demo-1', 'cam-demo-2', 'cam-demo-3'];
const SAMPLE_PACKAGE = 'opencv-doc';
const SAMPLE_PATH = 'usr/share/doc/opencv-doc/examples/data/vtest.avi';

/** The sample video in the cache, fetched with apt on first use. DEMO_NO_SOURCE when that is impossible. */
export function sampleVideo(cacheDir = join(homedir(), '.cache', 'xueliang', 'samples')): string {
  const target = join(cacheDir, 'vtest.avi');
  if (existsSync(target)) return target;
  const hint = 'pass a video with --source FILE (any format ffmpeg reads) or --source rtsp://camera/stream';
  const hasApt = (() => {
    try {
      execFileSync('apt-get', ['--version'], { stdio: 'ignore' });
      execFileSync('dpkg-deb', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (!hasApt)
    throw new XlError(
      'DEMO_NO_SOURCE',
      `no --source given and apt is not available to fetch the sample video; ${hint}`,
    );
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, '.fetch-'));
  try {
    process.stderr.write(
      `demo: fetching the sample video (Debian package ${SAMPLE_PACKAGE}, ~96 MB) into ${cacheDir}\n`,
    );
    execFileSync('apt-get', ['download', SAMPLE_PACKAGE], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download produced no .deb');
    execFileSync('dpkg-deb', ['-x', join(work, deb), join(work, 'x')]);
    copyFileSync(join(work, 'x', SAMPLE_PATH), target);
    return target;
  } catch (e) {
    throw new XlError(
      'DEMO_NO_SOURCE',
      `could not fetch the sample video (${errorMessage(e).split('\n')[0]}); ${hint}`,
      {},
      { cause: e },
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Decode size for a source: 640 wide, height by the file's aspect (ffprobe); 640x360 for streams. */
async function decodeSize(src: string): Promise<{ width: number; height: number }> {
  if (isStreamUrl(src)) return { width: 640, height: 360 };
  const meta = await new Promise<ffmpeg.FfprobeData>((res, rej) =>
    ffmpeg.ffprobe(src, (err, data) => (err ? rej(err) : res(data))),
  );
  const v = meta.streams.find((s) => s.codec_type === 'video');
  if (!v?.width || !v.height) throw new XlError('DEMO_BAD_SOURCE', `${src} has no video stream`);
  const width = Math.min(640, v.width);
  return { width, height: Math.max(32, 2 * Math.round((width * v.height) / v.width / 2)) };
}

/**
 * Zones and rules that fire on ordinary footage of people and traffic: anyone walking in the
 * lower 70 % of the picture (zone_intrusion), crossings of the middle line, four or more
 * people at once (crowding), and a vehicle standing still for 20 s (illegal_parking).
 */
export function demoRules() {
  return {
    zones: [
      {
        id: 'walkway',
        polygon: [
          [0, 0.3],
          [1, 0.3],
          [1, 1],
          [0, 1],
        ],
      },
      {
        id: 'scene',
        polygon: [
          [0, 0],
          [1, 0],
          [1, 1],
          [0, 1],
        ],
      },
    ],
    lines: [{ id: 'middle', from: [0, 0.5], to: [1, 0.5] }],
    rules: [
      {
        id: 'walkway-intrusion',
        type: 'zone_intrusion',
        zone: 'walkway',
        classes: ['person'],
        minDurationMs: 2000,
        cooldownMs: 60_000,
      },
      { id: 'middle-crossing', type: 'line_crossing', line: 'middle', direction: 'both' },
      { id: 'crowd', type: 'crowding', zone: 'scene', minCount: 4, minDurationMs: 3000, cooldownMs: 60_000 },
      { id: 'parked', type: 'illegal_parking', zone: 'scene', minDurationMs: 20_000 },
    ],
  };
}

export default defineCommand({
  name: 'demo',
  summary: 'xueliang up plus an edge agent playing sample videos as cameras, with example zones and rules',
  options: {
    ...UP_OPTIONS,
    source: {
      type: 'string',
      arg: 'FILE|URL',
      multiple: true,
      description: 'A video file (looped in real time) or an rtsp:// URL; one camera each, at most 3',
    },
    'metrics-port': {
      type: 'string',
      arg: 'PORT',
      description: 'Edge agent metrics port (0: off; auto: a free port, printed at start)',
      default: 'auto',
    },
  },
  details: [
    'Runs with --open semantics (the demo gateway gw-demo has no password in the sample city).',
    'Without --source it plays OpenCV’s vtest.avi, fetched once from Debian’s opencv-doc package',
    'with apt-get download into ~/.cache/xueliang/samples.',
    '',
    'Examples:',
    '  xueliang demo',
    '  xueliang demo --source street.mp4 --source rtsp://192.0.2.10/stream1 --port 8080',
  ].join('\n'),
  async run({ values }) {
    const given = strings(values, 'source');
    if (given.length > DEMO_CAMERAS.length)
      throw new UsageError(`at most ${DEMO_CAMERAS.length} --source (cameras ${DEMO_CAMERAS.join(', ')})`);
    // A fixed default would make a second demo (or anything else on that port) fail to start.
    const metricsPort =
      values['metrics-port'] === 'auto' ? await freePort() : (int(values, 'metrics-port', 0, 65535) ?? 0);
    const sources = given.length > 0 ? given.map((s) => (isStreamUrl(s) ? s : resolve(s))) : [sampleVideo()];
    for (const s of sources)
      if (!isStreamUrl(s) && !existsSync(s)) throw new UsageError(`--source ${s}: no such file`);
    const sizes = await Promise.all(sources.map(decodeSize));
    await buildModels({
      modelsDir: defaultModelsDir(),
      progress: (l) => process.stderr.write(`models: ${l}\n`),
    });

    const stack = await startUp({ ...values, open: true }, process.env);
    const log = rootLogger();
    let run: ReturnType<typeof EdgeAgent.launch> | undefined;
    let poll: NodeJS.Timeout | undefined;
    let sensors: SensorGatewaySim | undefined;
    const stop = async () => {
      clearInterval(poll);
      await sensors?.close(1_000);
      await run?.stop(); // an agent still starting finishes its start first
      await stack.stop();
    };
    // Ctrl-C from here on (the agent may still be starting) stops everything in order.
    onShutdown(log, stop);
    let agent: EdgeAgent;
    try {
      const raw = {
        gateway: { id: DEMO_GATEWAY },
        mqtt: { url: stack.mqttUrl },
        spool: { dir: join(stack.dataDir, 'demo-spool') },
        metricsPort,
        cameras: sources.map((url, i) => ({
          id: DEMO_CAMERAS[i]!,
          url,
          fps: 5,
          ...sizes[i],
          loop: !isStreamUrl(url),
          ...demoRules(),
        })),
        log: { level: stack.config.log.level },
      };
      const file = join(stack.dataDir, 'demo-gateway.yaml');
      writeFileSync(
        file,
        `# Written by xueliang demo; run it alone with: xueliang edge --config ${file}\n${stringify(raw)}`,
      );
      run = EdgeAgent.launch({ config: loadGatewayConfig(file), log });
      agent = await run.started;
      // The demo gateway's sensors (docs/iot.md): simulated, a reading every 10 s, a day in 24 min.
      const demoSensors = simSensorsFromCity(stack.config).filter((s) => s.gateway === DEMO_GATEWAY);
      if (demoSensors.length)
        sensors = new SensorGatewaySim({
          url: stack.mqttUrl,
          sensors: demoSensors,
          intervalMs: 10_000,
          speed: 60,
          log,
        });
    } catch (e) {
      await stop();
      throw e;
    }
    const from = Date.now() - 60_000;
    process.stdout.write(
      [
        '',
        `Demo edge agent ${DEMO_GATEWAY}: ${sources.map((s, i) => `${DEMO_CAMERAS[i]} ← ${s}`).join(', ')}`,
        `  Config:    ${join(stack.dataDir, 'demo-gateway.yaml')} (zones: walkway, scene; line: middle; rules: intrusion, crossing, crowding, parking)`,
        agent.metricsUrl ? `  Metrics:   ${agent.metricsUrl}` : '',
        sensors
          ? `  Sensors:   ${simSensorsFromCity(stack.config)
              .filter((s) => s.gateway === DEMO_GATEWAY)
              .map((s) => s.id)
              .join(', ')} (simulated, every 10 s)`
          : '',
        `  Dashboard: ${stack.apiUrl}/`,
        '  Hits (events within seconds; a sighting when a track ends):',
        `    curl -s -H "Authorization: Bearer ${stack.adminKey}" "${stack.apiUrl}/api/v1/hits?from=${from}&to=${from + 86_400_000}&limit=20"`,
        '',
      ]
        .filter((l) => l !== '')
        .join('\n')
        .concat('\n'),
    );
    // Say when the first hits are queryable, then how many, every 30 s.
    let last = 0;
    let tick = 0;
    poll = setInterval(() => {
      fetch(`${stack.apiUrl}/api/v1/hits?from=${from}&to=${Date.now() + 60_000}&limit=1000`, {
        headers: { authorization: `Bearer ${stack.adminKey}` },
      })
        .then(async (r) => (r.ok ? ((await r.json()) as { hits: unknown[] }).hits.length : -1))
        .then((n) => {
          tick++;
          if (n > last && (last === 0 || tick % 6 === 0)) {
            process.stdout.write(
              `demo: ${n >= 1000 ? '1000+' : n} hits in the API${last === 0 ? ` (first after ${Math.round((Date.now() - from - 60_000) / 1000)} s)` : ''}\n`,
            );
            last = n;
          }
        })
        .catch(() => {});
    }, 5_000);
    poll.unref();
    await new Promise(() => {});
    return 0;
  },
});
