/**
 * city.yaml `privacy`: where the city's keys live and how the audit chain is anchored outside
 * the store (docs/privacy.md). Paths default to files in the data folder, created 0600.
 */
import { Type as T } from '@sinclair/typebox';

export const PrivacySection = T.Object(
  {
    auditKeyFile: T.String({
      default: '',
      description:
        'Audit MAC keyring (JSON, 0600): the HMAC-SHA256 keys of the audit chain by key id, the newest current. Empty: <data>/audit-keys.json, created on first start',
    }),
    signingKeyFile: T.String({
      default: '',
      description:
        "The city's Ed25519 private key (PKCS#8 PEM, 0600) signing audit checkpoints and evidence exports. Empty: <data>/city-signing-key.pem, created on first start",
    }),
    checkpointFile: T.String({
      default: '',
      description:
        'Signed audit checkpoints are appended here (JSON lines), outside the store. Empty: <data>/audit-checkpoints.jsonl',
    }),
    checkpointEveryMs: T.Integer({
      minimum: 1000,
      maximum: 3_600_000,
      default: 10_000,
      description: "How often a process signs its audit chain's head when it moved (and once when it stops)",
    }),
    checkpointWebhook: T.String({
      default: '',
      description: 'Optional URL each signed checkpoint is POSTed to (an external archive); empty: none',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'Audit chain keys and checkpoints, export signing (docs/privacy.md)',
  },
);
