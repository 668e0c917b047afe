/**
 * The API key format (docs/security.md): `xl~<keyId>~<secret>`. The key id travels in the key,
 * so a server checks one scrypt hash (that id's) instead of trying every configured hash: an
 * unknown id costs nothing, and the cost of any key is O(1) in the number of keys. `~` is a
 * bearer-token character (RFC 6750 b64token) that no key id may contain (contracts/config/api.ts).
 *
 * Keys made before this format (`xl_…`, no id) still verify, by trying each hash in turn;
 * the API bounds that path (api/key-verifier.ts). Pure.
 */

/** A key id: the pattern of `api.keys[].id` in city.yaml. */
export const KEY_ID_PATTERN = '^[A-Za-z0-9._-]{1,64}$';

const KEYED = /^xl~([A-Za-z0-9._-]{1,64})~([A-Za-z0-9_-]{16,256})$/;

/** `xl~<keyId>~<secret>`; `secret` is base64url (api/secrets.ts `newApiKey` makes one). */
export function formatApiKey(keyId: string, secret: string): string {
  if (!new RegExp(KEY_ID_PATTERN).test(keyId)) throw new Error(`not a key id: ${keyId.slice(0, 80)}`);
  return `xl~${keyId}~${secret}`;
}

/** The key id a key names, or undefined for a key without one (an old `xl_…` key, or junk). */
export function apiKeyId(key: string): string | undefined {
  return KEYED.exec(key)?.[1];
}
