/**
 * The hit contract, v1 (docs/architecture.md#contracts): what an edge agent publishes and every tier stores.
 * Times are UTC epoch milliseconds; boxes are normalised `[x1, y1, x2, y2]` in 0..1.
 */
import { type Static, Type as T } from '@sinclair/typebox';
import {
  COLOURS,
  EVENT_TYPES,
  HIT_KINDS,
  SENSOR_EVENT_TYPES,
  SIGHTING_TYPES,
  type Colour as VocabColour,
} from './vocabulary.js';

export const HIT_VERSION = 1 as const;

/** Upper bounds that keep a hostile message from costing memory or storage. */
export const LIMITS = Object.freeze({
  idChars: 64,
  nameChars: 64,
  labelChars: 64,
  plateChars: 16,
  appearanceChars: 256,
  hitsPerEnvelope: 10_000,
  /** Largest hits message accepted on the wire, bytes. */
  envelopeBytes: 4 * 1024 * 1024,
  /** Largest snapshot accepted on the wire, bytes. */
  snapshotBytes: 512 * 1024,
  /**
   * How far ahead of the receiver's clock a hit's `tsMs` may be, ms: a hit dated in the future
   * would outlive its TTL and sort first everywhere (quarantined as INGEST_BAD_HIT).
   */
  futureSkewMs: 5 * 60_000,
});

/**
 * Text that may be shown as an identifier or a plate: no control, format, bidirectional or
 * invisible characters (U+0000–U+001F, U+007F–U+009F, U+200B–U+200F, U+202A–U+202E,
 * U+2066–U+2069, U+FEFF, …), no whitespace and no lone surrogates or astral characters (tag
 * characters), so a stored value cannot display as another (docs/security.md).
 */
export const VISIBLE_TEXT_PATTERN =
  '^[^\\u0000-\\u0020\\u007F-\\u00A0\\u00AD\\u061C\\u115F\\u1160\\u180E\\u2000-\\u200F\\u2028-\\u202F\\u205F-\\u206F\\u3000\\u3164\\uFEFF\\uFFA0\\uFFF0-\\uFFFB\\uD800-\\uDFFF]+$';

export { COLOURS, EVENT_TYPES, HIT_KINDS, SENSOR_EVENT_TYPES, SIGHTING_TYPES } from './vocabulary.js';
export type { EventType, SightingType } from './vocabulary.js';
export type Colour = VocabColour;
export const Colour = T.Union(
  COLOURS.map((c) => T.Literal(c)),
  { description: 'A colour from the named palette' },
);

/** An identifier: ULID-like or a configured name; printable ASCII without spaces or slashes. */
const Name = (description: string, maxLength: number = LIMITS.nameChars) =>
  T.String({ minLength: 1, maxLength, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', description });

const Unit = T.Number({ minimum: 0, maximum: 1 });

export const HitAttrs = T.Object(
  {
    color: T.Optional(T.Unsafe<Colour>({ ...Colour, description: 'Vehicle body colour' })),
    upperColor: T.Optional(T.Unsafe<Colour>({ ...Colour, description: "Person's upper clothing colour" })),
    lowerColor: T.Optional(T.Unsafe<Colour>({ ...Colour, description: "Person's lower clothing colour" })),
    color2: T.Optional(
      T.Unsafe<Colour>({
        ...Colour,
        description: 'A second vehicle body colour, close to `color` (a search for either finds the hit)',
      }),
    ),
    upperColor2: T.Optional(
      T.Unsafe<Colour>({
        ...Colour,
        description:
          'A second upper clothing colour, close to `upperColor` (a search for either finds the hit)',
      }),
    ),
    lowerColor2: T.Optional(
      T.Unsafe<Colour>({
        ...Colour,
        description:
          'A second lower clothing colour, close to `lowerColor` (a search for either finds the hit)',
      }),
    ),
    vehicleType: T.Optional(
      T.String({
        minLength: 1,
        maxLength: 32,
        pattern: '^[a-z_]+$',
        description: 'car, bus, truck, van, motorcycle, bicycle, …',
      }),
    ),
    plate: T.Optional(
      T.String({
        minLength: 2,
        maxLength: LIMITS.plateChars,
        pattern: VISIBLE_TEXT_PATTERN,
        description:
          'Normalised plate text, e.g. 浙H12345 (no separator); no control, format or bidi characters',
      }),
    ),
    plateScore: T.Optional(T.Number({ minimum: 0, maximum: 1, description: 'Confidence of the plate read' })),
    direction: T.Optional(
      T.String({
        minLength: 1,
        maxLength: 32,
        pattern: '^[a-z_]+$',
        description: 'Direction of travel, e.g. northbound',
      }),
    ),
  },
  { additionalProperties: false, description: 'Attributes voted over the track; all optional' },
);
export type HitAttrs = Static<typeof HitAttrs>;

export const Hit = T.Object(
  {
    v: T.Literal(HIT_VERSION, { description: 'Contract version' }),
    id: Name('Hit id (ULID), unique per gateway', LIMITS.idChars),
    tsMs: T.Integer({
      minimum: 946684800000,
      maximum: 4102444800000,
      description: 'When it was seen, UTC epoch ms',
    }),
    gateway: Name('Publishing gateway id'),
    camera: Name('Camera id'),
    kind: T.Union(
      HIT_KINDS.map((k) => T.Literal(k)),
      { description: 'sighting: a tracked object seen; event: a rule fired' },
    ),
    type: T.Union(
      [...SIGHTING_TYPES, ...EVENT_TYPES, ...SENSOR_EVENT_TYPES].map((k) => T.Literal(k)),
      {
        description: 'Sighting type (person, vehicle, …) or event type (illegal_parking, …)',
      },
    ),
    label: T.String({
      minLength: 1,
      maxLength: LIMITS.labelChars,
      pattern: '^[a-z][a-z0-9_ ]*$',
      description: 'Detector class label, e.g. car',
    }),
    score: T.Number({ minimum: 0, maximum: 1, description: 'Detector confidence' }),
    box: T.Tuple([Unit, Unit, Unit, Unit], { description: 'Normalised box [x1, y1, x2, y2] in 0..1' }),
    track: T.Optional(T.Integer({ minimum: 0, maximum: 2 ** 31 - 1, description: 'Track id on the camera' })),
    zone: T.Optional(T.Union([Name('Zone name'), T.Null()], { description: 'Zone the event happened in' })),
    rule: T.Optional(T.Union([Name('Rule name'), T.Null()], { description: 'Rule that fired (events)' })),
    durationMs: T.Optional(
      T.Integer({
        minimum: 0,
        maximum: 7 * 86_400_000,
        description: 'How long the track or condition lasted',
      }),
    ),
    attrs: T.Optional(HitAttrs),
    appearance: T.Optional(
      T.String({
        maxLength: LIMITS.appearanceChars,
        pattern: '^[A-Za-z0-9+/]*={0,2}$',
        description: 'Base64 colour descriptor (uint8)',
      }),
    ),
    snapshot: T.Optional(Name('Snapshot id published on the snap topic', LIMITS.idChars)),
    snapshotCrop: T.Optional(
      T.Tuple([Unit, Unit, Unit, Unit], {
        description:
          'Where the snapshot was cropped from the frame, [x1, y1, x2, y2] in 0..1: `box` maps into the snapshot image through it',
      }),
    ),
    frame: T.Optional(
      Name(
        'Events: snapshot id of the whole frame, downscaled, with the box and the zone drawn (published on the snap topic like a snapshot)',
        LIMITS.idChars,
      ),
    ),
    model: T.Optional(Name('Detector model name')),
  },
  { additionalProperties: false, description: 'A sighting or an event, contract v1' },
);
export type Hit = Static<typeof Hit>;

/** The message on `xueliang/v1/gw/{gateway}/hits`: a batch of hits with a message id. */
export const HitEnvelope = T.Object(
  {
    v: T.Literal(HIT_VERSION),
    msgId: Name('Message id (ULID); acked by ingest, deduplicated within the replay window', LIMITS.idChars),
    gateway: Name('Publishing gateway id'),
    sentMs: T.Integer({ minimum: 0, description: 'When the gateway first sent it, epoch ms' }),
    hits: T.Array(T.Unknown(), {
      maxItems: LIMITS.hitsPerEnvelope,
      description: 'Hits; each validated on its own',
    }),
  },
  { additionalProperties: false },
);
export type HitEnvelope = Omit<Static<typeof HitEnvelope>, 'hits'> & { hits: Hit[] };

/** Snapshot metadata: the JPEG bytes travel raw on the snap topic. */
export const Snapshot = T.Object(
  {
    id: Name('Snapshot id', LIMITS.idChars),
    gateway: Name('Gateway id'),
    tsMs: T.Integer({ minimum: 0 }),
    bytes: T.Integer({ minimum: 1, maximum: LIMITS.snapshotBytes }),
  },
  { additionalProperties: false },
);
export type Snapshot = Static<typeof Snapshot>;
