/** Who calls the API: a principal (an API key's or a JWT's identity) and a stored key record. */
import type { Role } from '../contracts/config/api.js';

export interface Principal {
  /** API key id, or `jwt:<sub>` for a token. */
  keyId: string;
  role: Role;
  org: string;
}

export interface KeyRecord extends Principal {
  hash: string;
}
