/**
 * MQTT client ids bound to the authenticated principal (docs/security.md). A client id names
 * a session: whoever connects with it takes over the connection and, with `clean: false`, the
 * queue of messages kept for it. So a client may use only ids that are its own: its gateway id
 * or API key id (the login user name), or that id followed by `-` and a suffix
 * (`gw-xihu-01-status`, `xihu-member-tasks-grid-xh-01`). When ids share a prefix
 * (`gw-a` and `gw-a-2`), the longest principal id that matches owns the client id, so `gw-a`
 * cannot use `gw-a-2-status`. Pure.
 */

/** The principal (among `ids`) a client id belongs to, or undefined. */
export function clientIdOwner(clientId: string, ids: ReadonlySet<string>): string | undefined {
  if (ids.has(clientId)) return clientId;
  // Candidates are the prefixes of clientId that end before a '-': check from the longest.
  for (let i = clientId.lastIndexOf('-'); i > 0; i = clientId.lastIndexOf('-', i - 1)) {
    const prefix = clientId.slice(0, i);
    if (ids.has(prefix)) return prefix;
  }
  return undefined;
}

/** May the principal `user` connect with `clientId`? */
export function clientIdAllowed(clientId: string, user: string, ids: ReadonlySet<string>): boolean {
  return clientIdOwner(clientId, ids) === user;
}
