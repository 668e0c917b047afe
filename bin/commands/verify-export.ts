import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { verifyExportArchive } from '../../api/export/verify.js';
import { defineCommand, UsageError } from '../cli.js';

export default defineCommand({
  name: 'verify-export',
  summary:
    'Check an evidence export offline: every file against the signed manifest (sha256) and the signature',
  positionals: 'FILE',
  details: [
    'FILE is an archive from POST /api/v1/cases/:id/exports. Each file listed in manifest.json must be',
    'present with the listed sha256 and size, no file may be added, and the manifest signature must verify.',
    'Without --public-key the key embedded in the manifest is used: that proves integrity since signing, not',
    "who signed; pin the city's key (its public half, e.g. from `openssl pkey -in city-signing-key.pem -pubout`)",
    'to prove both.',
    '',
    'Exit status: 0 verified, 1 not verified (each problem names its file), 2 bad usage.',
    '',
    'Examples:',
    '  xueliang verify-export export-C-7-01J….tar',
    '  xueliang verify-export export.tar --public-key city-public.pem --json',
  ].join('\n'),
  options: {
    'public-key': {
      type: 'string',
      arg: 'PEM',
      description: "The city's Ed25519 public key (SPKI PEM) to require as the signer",
    },
    json: { type: 'boolean', description: 'Print the verdict as one JSON object' },
  },
  async run({ values, positionals }) {
    const file = positionals[0];
    if (!file || positionals.length > 1) throw new UsageError('give exactly one export FILE');
    if (!existsSync(file)) throw new UsageError(`${file} does not exist`);
    const keyFile = values['public-key'];
    let pinned: ReturnType<typeof createPublicKey> | undefined;
    if (typeof keyFile === 'string') {
      try {
        pinned = createPublicKey(readFileSync(keyFile));
      } catch (e) {
        throw new UsageError(`--public-key ${keyFile}: not a public key (${(e as Error).message})`);
      }
    }
    const v = verifyExportArchive(readFileSync(file), pinned);
    const m = v.manifest;
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ ok: v.ok, problems: v.problems, signer: v.signer ?? null, pinned: v.pinned, exportId: m?.exportId ?? null, caseId: m?.caseId ?? null, files: m?.files.length ?? 0 })}\n`,
      );
    } else if (v.ok) {
      process.stdout.write(
        `verified: ${m?.files.length} files of export ${m?.exportId} (case ${m?.caseId}, ${m?.hits} hits, ${m?.snapshots} snapshots), signed by key ${v.signer}${v.pinned ? ' (pinned)' : ' (the key in the manifest; pin it with --public-key)'}\n`,
      );
    } else {
      for (const p of v.problems) process.stderr.write(`EXPORT_NOT_VERIFIED: ${p.file}: ${p.reason}\n`);
    }
    return v.ok ? 0 : 1;
  },
});
