/**
 * gateway.yaml: one edge agent's config (cameras with their zones and rules, model, tracker,
 * attributes, snapshots, MQTT, spool, metrics). Zones, lines and rules use the schemas of
 * `rules.ts`; their cross-references are checked when the agent builds each camera's rule
 * engine (EDGE_RULES_CONFIG).
 */
import { type Static, Type as T } from '@sinclair/typebox';
import { CameraRules } from './rules.js';

const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]*$';

/**
 * The edge agent's default detector: NanoDet-g re-targeted to a 320 input (models build),
 * 0.57× the compute of the 416 original, so a 2-core gateway keeps up with 6 cameras at
 * 5 fps (bench:edge). Still images (`xueliang detect`) default to nanodet-g-416.
 */
export const EDGE_DETECTOR = 'nanodet-g-320';

export const CameraSource = T.Object(
  {
    id: T.String({
      minLength: 1,
      maxLength: 64,
      pattern: ID_PATTERN,
      description: 'Camera id (as in city.yaml)',
    }),
    url: T.String({ minLength: 1, description: 'rtsp://… URL, or a video file path (played in real time)' }),
    enabled: T.Boolean({ default: true, description: 'Whether the agent runs this camera' }),
    fps: T.Number({
      exclusiveMinimum: 0,
      maximum: 60,
      default: 5,
      description: 'Frames per second to analyse (ffmpeg fps filter)',
    }),
    width: T.Integer({
      minimum: 32,
      maximum: 7680,
      default: 640,
      description: 'Decode width, px (ffmpeg scale filter; the picture is stretched to width × height)',
    }),
    height: T.Integer({ minimum: 32, maximum: 4320, default: 360, description: 'Decode height, px' }),
    loop: T.Boolean({
      default: false,
      description: 'Loop a file source (a replayed file behaves like a camera)',
    }),
    speed: T.Number({
      minimum: 0,
      maximum: 100,
      default: 1,
      description:
        'File sources: playback speed (1 = real time, 4 = four times faster); 0 = as fast as the detector takes frames, none dropped (tests and benchmarks)',
    }),
    headingDeg: T.Number({
      minimum: 0,
      maximum: 360,
      default: 0,
      description:
        'Compass bearing of image-up, degrees, for the direction attribute (0: up the image is north)',
    }),
    zones: CameraRules.properties.zones,
    lines: CameraRules.properties.lines,
    rules: CameraRules.properties.rules,
  },
  { additionalProperties: false },
);
export type CameraSource = Static<typeof CameraSource>;

export const GatewayConfig = T.Object(
  {
    gateway: T.Object(
      {
        id: T.String({
          minLength: 1,
          maxLength: 64,
          pattern: ID_PATTERN,
          description: 'Gateway id (MQTT username)',
        }),
        password: T.String({ default: '', description: 'MQTT password for this gateway' }),
      },
      { additionalProperties: false, description: 'Who this gateway is' },
    ),
    mqtt: T.Object(
      {
        url: T.String({
          default: 'mqtt://127.0.0.1:1884',
          description:
            'The ingest tier’s MQTT endpoint: `mqtts://host:8883` over TLS (verified against `ca`), `mqtt://` in plaintext (loopback, or with `plaintext: true`)',
        }),
        ca: T.String({
          default: '',
          maxLength: 1024,
          description:
            "The city CA (PEM) that signs the server's certificate (`xueliang deploy certs`); empty: the system CAs",
        }),
        cert: T.String({
          default: '',
          maxLength: 1024,
          description:
            "This gateway's client certificate (PEM, CN = gateway id): mutual TLS, instead of or as well as the password",
        }),
        key: T.String({
          default: '',
          maxLength: 1024,
          description: 'The private key of `cert` (PEM, mode 0600)',
        }),
        plaintext: T.Boolean({
          default: false,
          description: 'Allow an `mqtt://` (plaintext) URL to a host other than loopback',
        }),
        ackTimeoutMs: T.Integer({
          minimum: 100,
          maximum: 600_000,
          default: 10_000,
          description:
            'Resend a message not acked within this, ms: the shortest wait; while acks come slower (an overloaded ingest) the wait follows their measured pace and backs off after each timeout, up to 8 times this',
        }),
        flushMs: T.Integer({
          minimum: 10,
          maximum: 5_000,
          default: 200,
          description: 'Hits are sent in envelopes at this interval, ms',
        }),
        keepaliveS: T.Integer({
          minimum: 5,
          maximum: 3600,
          default: 30,
          description:
            'MQTT keepalive; the broker publishes the last will (status offline) after 1.5× this without traffic, s',
        }),
      },
      { additionalProperties: false, default: {}, description: 'Connection to the ingest tier' },
    ),
    signals: T.Object(
      {
        url: T.String({
          default: '',
          maxLength: 2048,
          description:
            'MQTT broker where the junction’s signal controllers publish their phases (xueliang/v1/signal/{controller}/phase, docs/iot.md); empty: red_light rules never fire',
        }),
        username: T.String({
          default: '',
          maxLength: 256,
          description: 'MQTT username on that broker (empty: none)',
        }),
        password: T.String({
          default: '',
          maxLength: 256,
          description: 'MQTT password on that broker (empty: none)',
        }),
      },
      { additionalProperties: false, default: {}, description: 'Traffic-signal phases for red_light rules' },
    ),
    model: T.Object(
      {
        name: T.String({
          default: EDGE_DETECTOR,
          description:
            'Detector from the model manifest (nanodet-g-320: NanoDet-g re-targeted to a 320 input, 0.57× the compute of nanodet-g-416; docs/models.md)',
        }),
        dir: T.String({
          default: '',
          description: 'Models directory (empty: the user cache, ~/.cache/xueliang/models)',
        }),
        threads: T.Integer({
          minimum: 1,
          maximum: 64,
          default: 1,
          description:
            'Intra-op threads per detector worker (intraOpNumThreads). 1 is the most frames per CPU second: on the 2-core box two 1-thread workers ran 41.6 fps of nanodet-g-320, one 2-thread worker 28.5',
        }),
        concurrency: T.Integer({
          minimum: 0,
          maximum: 64,
          default: 0,
          description:
            'Detector worker threads, each with its own session: frames (of different cameras) in the detector at once. 0: one per CPU core (at most 8)',
        }),
        minScore: T.Number({
          minimum: 0,
          maximum: 1,
          default: 0.3,
          description:
            'Detections below this are ignored (the tracker uses those below tracker.highScore only to extend tracks)',
        }),
        tiles: T.Integer({
          minimum: 0,
          maximum: 4,
          default: 0,
          description:
            'Tiled detection (SAHI-style, edge-agent/tiling.ts): N ≥ 2 also runs the detector on an N×N grid of overlapping tiles and merges the boxes, so small distant objects are seen at a higher resolution; costs 1 + N² detector runs per whole frame (docs/accuracy.md). 0 or 1: the whole frame only',
        }),
        tileMinScore: T.Number({
          minimum: 0,
          maximum: 1,
          default: 0.4,
          description:
            'With tiles: tile boxes below this score are dropped (tiles also see clutter at the higher resolution); whole-frame boxes keep minScore',
        }),
        smallMinScore: T.Number({
          minimum: 0,
          maximum: 1,
          default: 0,
          description:
            'Boxes under 32 px tall scoring below this are dropped after the merge of whole frame and tiles (small clutter — posts, signs — scores low); 0: off. With tiles: 3 and tileMinScore 0.4, 0.5 is the best measured trade for small people (docs/accuracy.md)',
        }),
        zoomCrops: T.Integer({
          minimum: 0,
          maximum: 8,
          default: 0,
          description:
            'Motion zoom (edge-agent/zoom.ts, needs motion.enabled): on each detected frame, also run the detector on up to N square crops around the small motion blobs (1.5× the blob, at least 96 px), scaled up to the model input, so a person 20–30 px tall is seen several times larger; each crop is one more detector run (docs/accuracy.md). 0: off',
        }),
        zoomMinScore: T.Number({
          minimum: 0,
          maximum: 1,
          default: 0,
          description:
            'With zoomCrops: zoom-crop boxes below this score are dropped (0: minScore). smallMinScore does not apply to them (they lie on motion; posts and signs do not move)',
        }),
        tileSplitGroups: T.Boolean({
          default: false,
          description:
            'With tiles: a whole-frame box that two or more tile boxes of its class split into objects side by side (a distant group boxed as one) is dropped, so the single people survive the merge (edge-agent/tiling.ts, docs/accuracy.md)',
        }),
      },
      {
        additionalProperties: false,
        default: {},
        description: 'Detector (worker threads shared by all cameras, one session each)',
      },
    ),
    sources: T.Object(
      {
        stallMs: T.Integer({
          minimum: 500,
          maximum: 600_000,
          default: 10_000,
          description: 'No frame for this long → ffmpeg is killed and restarted, ms',
        }),
        reconnectInitialMs: T.Integer({
          minimum: 10,
          maximum: 60_000,
          default: 500,
          description: 'First reconnect delay after a failure, ms (doubles per attempt)',
        }),
        reconnectMaxMs: T.Integer({
          minimum: 100,
          maximum: 600_000,
          default: 30_000,
          description: 'Largest reconnect delay, ms',
        }),
        ffmpegPath: T.String({ default: 'ffmpeg', description: 'The ffmpeg binary' }),
      },
      { additionalProperties: false, default: {}, description: 'Camera decoding (ffmpeg)' },
    ),
    motion: T.Object(
      {
        enabled: T.Boolean({
          default: false,
          description:
            'Gate the detector by motion (frame differencing on a small grey image): still frames are skipped, small moving regions are detected cropped at the decoded resolution (docs/edge.md#motion-gating)',
        }),
        stillCheckMs: T.Integer({
          minimum: 100,
          maximum: 600_000,
          default: 2_000,
          description: 'A camera without motion still gets a full-frame detection this often, ms',
        }),
        cropMaxFraction: T.Number({
          minimum: 0,
          maximum: 1,
          default: 0.4,
          description:
            'Motion regions larger than this share of the frame are not cropped: the whole frame is detected',
        }),
        threshold: T.Number({
          minimum: 1,
          maximum: 255,
          default: 14,
          description: 'Grey-level change of a cell (0..255) that counts as motion',
        }),
        coastFrames: T.Integer({
          minimum: 1,
          maximum: 10,
          default: 2,
          description:
            'While all motion lies inside steady confirmed tracks (none near a rule line or zone edge, none new), detect one frame in this many and let the tracker coast in between; 1: detect every frame with motion (docs/edge.md#motion-gating)',
        }),
      },
      { additionalProperties: false, default: {}, description: 'Motion gating of the detector' },
    ),
    tracker: T.Object(
      {
        lostTrackMs: T.Integer({
          minimum: 100,
          maximum: 600_000,
          default: 2_000,
          description: 'A track unmatched this long ends (its sighting is emitted), ms',
        }),
        maxTrackMs: T.Integer({
          minimum: 1_000,
          maximum: 86_400_000,
          default: 300_000,
          description: 'A track living this long gets its sighting now rather than at its end, ms',
        }),
        highScore: T.Number({
          minimum: 0,
          maximum: 1,
          default: 0.45,
          description:
            'Detections scoring at least this take part in the first association; lower ones (down to model.minScore) only extend existing tracks (ByteTrack)',
        }),
        newTrackScore: T.Number({
          minimum: 0,
          maximum: 1,
          default: 0.5,
          description: 'A detection must score at least this to start a track',
        }),
        minHits: T.Integer({
          minimum: 1,
          maximum: 100,
          default: 3,
          description: 'Matched frames before a track is confirmed and reported',
        }),
        classes: T.Array(T.String({ minLength: 1, maxLength: 64 }), {
          minItems: 1,
          maxItems: 80,
          default: [
            'person',
            'bicycle',
            'car',
            'motorcycle',
            'bus',
            'truck',
            'backpack',
            'handbag',
            'suitcase',
          ],
          description: 'Detector labels that are tracked (and get sightings); other detections are ignored',
        }),
        minSightingFrames: T.Integer({
          minimum: 1,
          maximum: 1000,
          default: 3,
          description: 'Tracks seen in fewer frames emit no sighting (flicker)',
        }),
        appearance: T.Boolean({
          default: true,
          description:
            "Use each box's colour histogram in the association: a track never takes a box of a very different appearance (the next person walking into its box), and a lost track is re-linked to a box of its appearance near its predicted place (docs/edge.md)",
        }),
      },
      { additionalProperties: false, default: {}, description: 'Tracking (ByteTrack-style)' },
    ),
    attributes: T.Object(
      {
        everyFrames: T.Integer({
          minimum: 1,
          maximum: 100,
          default: 1,
          description: 'Measure colours and appearance of each track every N-th frame (CPU bound)',
        }),
        keypoints: T.Boolean({
          default: false,
          description:
            'Take clothing colours from the torso and legs found by body keypoints (MoveNet Lightning, models/build.ts POSE_MODEL) instead of fixed bands of the person box: upper 94.1 → 98.0 % exact on the labels, lower unchanged, at 9–13 ms per person box on one core against 0.4–0.7 ms for the bands (docs/accuracy.md), so off by default',
        }),
        plates: T.Boolean({
          default: true,
          description: 'Read licence plates (PP-OCRv4) on the best vehicle crops',
        }),
        plateMinHeightPx: T.Integer({
          minimum: 8,
          maximum: 4000,
          default: 64,
          description: 'Vehicle boxes smaller than this (decode pixels) are not read for plates',
        }),
        plateReadsPerTrack: T.Integer({
          minimum: 1,
          maximum: 50,
          default: 3,
          description: 'Plate reads per vehicle track (its best crops)',
        }),
        plateModel: T.String({
          default: '',
          description:
            'Plate detector used before OCR: a catalogue name installed with `xueliang models pull` (plate-detect-y5fu-320) or an .onnx path; empty: PP-OCRv4 text detection only (finds fewer plates)',
        }),
      },
      { additionalProperties: false, default: {}, description: 'Attribute extraction' },
    ),
    snapshots: T.Object(
      {
        enabled: T.Boolean({ default: true, description: 'Publish a JPEG crop of each hit’s best frame' }),
        quality: T.Integer({ minimum: 10, maximum: 100, default: 80, description: 'JPEG quality' }),
        margin: T.Number({
          minimum: 0,
          maximum: 2,
          default: 0.25,
          description: 'Margin around the box, fraction of its size',
        }),
        maxSidePx: T.Integer({
          minimum: 32,
          maximum: 4096,
          default: 480,
          description: 'Longest side of a snapshot, px (larger crops are scaled down)',
        }),
        eventFrame: T.Boolean({
          default: true,
          description:
            'Events also publish the whole frame, downscaled, with the box and the zone drawn (the hit names it as `frame`): the evidence a grid member acts on',
        }),
        frameMaxSidePx: T.Integer({
          minimum: 160,
          maximum: 4096,
          default: 640,
          description: 'Longest side of an event frame, px',
        }),
        blurFaces: T.Boolean({
          default: true,
          description:
            'Pixelate faces (BlazeFace) and the head of every person box in each snapshot before it is encoded and spooled (docs/privacy.md). Turning it off must be explicit; the status document reports it per camera and the dashboard marks those snapshots',
        }),
        blurHeads: T.Boolean({
          default: true,
          description:
            'With blurFaces: also pixelate the top of every person box, so a face the detector misses (small, turned away) is still covered',
        }),
        faceMinScore: T.Number({
          minimum: 0.05,
          maximum: 0.95,
          default: 0.3,
          description: 'Face detector score threshold (low: a missed face is a privacy failure; eval:faces)',
        }),
      },
      { additionalProperties: false, default: {}, description: 'Snapshots (JPEG via sharp)' },
    ),
    spool: T.Object(
      {
        dir: T.String({
          default: './spool',
          description: 'Disk spool folder (messages wait here until acked)',
        }),
        maxBytes: T.Integer({
          minimum: 1024 * 1024,
          default: 512 * 1024 * 1024,
          description: 'Spool size bound, bytes',
        }),
      },
      { additionalProperties: false, default: {}, description: 'Store-and-forward spool' },
    ),
    metricsPort: T.Integer({
      minimum: 0,
      maximum: 65535,
      default: 9464,
      description: 'Prometheus metrics port (0: off)',
    }),
    cameras: T.Array(CameraSource, { default: [], description: 'Cameras this gateway analyses' }),
    log: T.Object(
      { level: T.String({ default: 'info', description: 'Log level' }) },
      { additionalProperties: false, default: {}, description: 'Logging' },
    ),
  },
  { additionalProperties: false, description: 'gateway.yaml — one edge agent' },
);
export type GatewayConfig = Static<typeof GatewayConfig>;

export const GATEWAY_ENV: Readonly<Record<string, string>> = Object.freeze({
  MQTT_URL: '/mqtt/url',
  XUELIANG_GATEWAY_PASSWORD: '/gateway/password',
});
