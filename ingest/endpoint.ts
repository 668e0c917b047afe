/**
 * The embedded MQTT endpoint (docs/architecture.md#no-loss-chain step 2, the default): aedes on a TCP port, inside
 * the ingest process, over TLS when a server certificate is configured (a Node TLS server in
 * front of aedes; a plaintext listener only when asked for, docs/deploy.md#tls). A gateway's
 * client certificate signed by the city CA names it (CN = gateway id) instead of, or as well
 * as, its password. `authenticate` checks the gateway's password against city.yaml (or an
 * API key, which may then only read the task topics of grids in its jurisdiction);
 * `authorizePublish` runs the whole intake and calls back only once the message is held
 * in Redis — aedes writes a QoS 1 PUBACK only after authorizePublish (aedes 1.2
 * lib/handlers/publish.js: authorizePublish → enqueuePublish → PubAck), so the PUBACK
 * itself means "durably queued". A client's packets read in one socket chunk are handled
 * concurrently and the next chunk waits for them: a natural per-gateway batch.
 * aedes 1.x speaks MQTT 3.1.1 only (protocolVersion 5 is refused at CONNECT).
 *
 * Hardening (docs/security.md): a client id must belong to the authenticated principal
 * (ingest/client-ids.ts); failed logins are limited per address before any hashing
 * (ingest/login-guard.ts); packets are bounded by topic kind as they arrive
 * (ingest/packet-guard.ts); connections that have not authenticated are capped in number and
 * time; gateways' retain flags are dropped (retained messages would stay in aedes' memory).
 * Refusals are counted (`xueliang_mqtt_refused_total`) and logged in summary, not one line each;
 * a login over its address's limit is refused late (contracts/refusals.ts).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../contracts/log.js';
import { clientIdAllowed } from './client-ids.js';
import type { Credentials } from './credentials.js';
import type { Directory } from './gate.js';
import { checkSubscribe } from './gate.js';
import { listenOn, MQTT_LISTEN } from '../contracts/net.js';
import { LoginGuard } from './login-guard.js';
import { PacketGuard } from './packet-guard.js';
import { RefusalLog, TARPIT, Tarpit } from '../contracts/refusals.js';
import type { TlsPem } from '../contracts/tls.js';

/** Connection bounds of the embedded endpoint (docs/security.md). */
export const ENDPOINT_LIMITS = Object.freeze({
  /** Connections at once (gateways, task readers and not yet authenticated ones). */
  maxConnections: 4096,
  /** Connections that have not completed CONNECT yet; past it new sockets are closed at once. */
  maxPending: 64,
  /** Time a connection gets to send CONNECT and be authenticated, ms. */
  connectTimeoutMs: 10_000,
});

/** Handles one published message; resolves when it may be PUBACKed, rejects to refuse it. */
export type HandleFn = (client: string | undefined, topic: string, payload: Buffer) => Promise<void>;

export interface EndpointOptions {
  host: string;
  port: number;
  dir: Directory;
  credentials: Credentials;
  log: Logger;
  handle: HandleFn;
  /** Where `xueliang_mqtt_refused_total` is registered (default: not exported). */
  registry?: Registry;
  /** MQTT over TLS on `tls.port` (same host): the server certificate, and `ca` for client certificates. */
  tls?: EndpointTls;
  /** With `tls`: also listen in plaintext on `port` (default false). Without `tls` plaintext is the only listener. */
  plaintext?: boolean;
}

export interface EndpointTls {
  port: number;
  pem: TlsPem;
  /** Gateways' client certificates: not asked for, accepted when valid, or required. */
  clientCerts: 'off' | 'optional' | 'require';
}

/** Why the endpoint refused a connection, a login or a packet (label of xueliang_mqtt_refused_total). */
export type RefusalReason =
  | 'bad_login'
  | 'client_cert'
  | 'client_id'
  | 'login_limited'
  | 'packet_too_large'
  | 'pending_full'
  | 'tls_handshake';

function refusalCounter(registry: Registry | undefined): Counter<'reason'> {
  const name = 'xueliang_mqtt_refused_total';
  const existing = registry?.getSingleMetric(name) as Counter<'reason'> | undefined;
  return (
    existing ??
    new Counter({
      name,
      help: 'MQTT connections, logins and packets the embedded endpoint refused, by reason (docs/security.md)',
      labelNames: ['reason'],
      registers: registry ? [registry] : [],
    })
  );
}

export interface Endpoint {
  /** The TLS listener's `mqtts://` URL when there is one, else the plaintext `mqtt://` one. */
  url: string;
  port: number;
  /** The plaintext listener's URL, when it runs. */
  plainUrl?: string;
  publish(topic: string, payload: Buffer): Promise<void>;
  clients(): number;
  close(): Promise<void>;
}

const GATEWAY = Symbol('xueliang.gateway');
const GUARD = Symbol('xueliang.guard');
/** The org of an API key logged in to read grid tasks. */
const MEMBER = Symbol('xueliang.member');
/** Takes a not yet authenticated connection out of the pending count (once). */
const UNCOUNT = Symbol('xueliang.uncount');
type Tagged = Client & {
  [GATEWAY]?: string;
  [MEMBER]?: string;
  [GUARD]?: PacketGuard;
  [UNCOUNT]?: () => void;
};

/** The gateway a verified client certificate names (CN, else a DNS SAN), if city.yaml knows it. */
function certGateway(client: Client, dir: Directory): string | undefined {
  const s = client.conn;
  if (!(s instanceof TLSSocket) || !s.authorized) return undefined;
  const peer = s.getPeerCertificate();
  const cn = peer?.subject?.CN as string | string[] | undefined;
  const names = [
    ...(Array.isArray(cn) ? cn : cn ? [cn] : []),
    ...(peer?.subjectaltname ?? '')
      .split(', ')
      .filter((n) => n.startsWith('DNS:'))
      .map((n) => n.slice(4)),
  ];
  return names.find((n) => dir.gateways.has(n));
}

function authError(code: 4 | 5, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code }) as AuthenticateError;
}

/** How the endpoint refuses logins: counted, logged in summary, late when over the limit. */
interface Refuser {
  logins: LoginGuard;
  refused: ReturnType<typeof refusalCounter>;
  refusals: RefusalLog;
  tarpit: Tarpit;
}

/** aedes' authenticate: a gateway (its id and password) or an API key (grid tasks only). */
function authenticator(
  o: EndpointOptions,
  r: Refuser,
  principals: ReadonlySet<string>,
): NonNullable<NonNullable<Parameters<typeof Aedes.createBroker>[0]>['authenticate']> {
  const { dir } = o;
  const { logins } = r;
  return (client, givenUser, password, done) => {
    const c = client as Tagged;
    // --open: any client, any gateway prefix (no GATEWAY tag).
    if (dir.open) return done(null, true);
    const address = (client.conn as Socket | undefined)?.remoteAddress ?? '?';
    const refuse = (why: string, reason: RefusalReason = 'bad_login') => {
      r.refused.inc({ reason });
      r.refusals.note(
        reason,
        { user: givenUser?.slice(0, 64), clientId: client.id?.slice(0, 64), address },
        `refused: ${why}`,
      );
      const answer = () =>
        done(authError(reason === 'client_cert' ? 5 : 4, 'bad user name or password'), false);
      // Over the limit: answered late (contracts/refusals.ts), so a guessing loop slows down.
      if (reason === 'login_limited') {
        c[UNCOUNT]?.();
        void r.tarpit.delay().then(answer);
      } else answer();
    };
    // A client certificate signed by the city CA names its gateway (CN = gateway id).
    const certGw = certGateway(client, dir);
    if (certGw !== undefined) {
      if (givenUser && givenUser !== certGw)
        return refuse(`user name is not the client certificate's gateway ${certGw}`, 'client_cert');
      if (!clientIdAllowed(client.id ?? '', certGw, principals))
        return refuse(`client id is not ${certGw}'s`, 'client_id');
      // A password given as well is checked as well; without one the certificate suffices.
      if (!password || !dir.gateways.get(certGw)?.passwordHash) {
        c[GATEWAY] = certGw;
        return done(null, true);
      }
    } else if (o.tls?.clientCerts === 'require' && client.conn instanceof TLSSocket) {
      return refuse('no valid client certificate', 'client_cert');
    }
    const username = certGw ?? givenUser;
    // A gateway (its id and password), or an API key (its id and the key: grid tasks only).
    const gw = username ? dir.gateways.get(username) : undefined;
    const member = username && !gw ? dir.members.get(username) : undefined;
    const hash = gw?.passwordHash || member?.hash;
    if (!username || !hash || !password) {
      logins.charge(address, Date.now()); // costs nothing, but counts against the address
      return refuse('unknown gateway or key, or no password');
    }
    // A session belongs to its principal: another's client id would take over its connection
    // and queued messages.
    if (!clientIdAllowed(client.id ?? '', username, principals))
      return refuse(`client id is not ${username}'s`, 'client_id');
    const pw = password.toString('utf8');
    const accept = () => {
      if (gw) c[GATEWAY] = username;
      else c[MEMBER] = member!.org;
      done(null, true);
    };
    if (o.credentials.known(pw, hash)) return accept(); // verified before: no hashing, not limited
    logins.acquire(address, Date.now).then(
      (go) => {
        if (!go) return refuse('too many failed logins from this address', 'login_limited');
        o.credentials.verify(pw, hash).then(
          (ok) => {
            logins.settle(address, ok);
            if (!ok) return refuse('wrong password');
            accept();
          },
          (e: unknown) => {
            logins.settle(address, false);
            done(authError(5, String(e)), false);
          },
        );
      },
      () => done(authError(5, 'login check failed'), false),
    );
  };
}

/**
 * aedes pulls bytes with `conn.read()` (aedes lib/client.js nextBatch): the guard sees each
 * chunk first and closes the socket before an oversized packet is buffered.
 */
function guardSocket(socket: Socket, r: Refuser): PacketGuard {
  const guard = new PacketGuard();
  const read = socket.read.bind(socket);
  socket.read = (size?: number) => {
    const chunk = read(size) as Buffer | null;
    if (chunk && !guard.feed(chunk)) {
      r.refused.inc({ reason: 'packet_too_large' });
      r.refusals.note(
        'packet_too_large',
        { address: socket.remoteAddress, why: guard.refused },
        'MQTT connection closed: packet too large',
      );
      socket.destroy();
      return null;
    }
    return chunk;
  };
  return guard;
}

export async function startEndpoint(o: EndpointOptions): Promise<Endpoint> {
  const { dir, log } = o;
  const refused = refusalCounter(o.registry);
  const refuser: Refuser = {
    logins: new LoginGuard(),
    refused,
    refusals: new RefusalLog(log, 'MQTT endpoint'),
    // Held refusals are no longer pending (they cannot hold the endpoint's pending slots), so
    // they have their own bound: each may have sent up to the pre-auth bytes (packet-guard.ts).
    tarpit: new Tarpit({ delayMs: TARPIT.delayMs, maxHeld: ENDPOINT_LIMITS.maxPending }),
  };
  const principals = new Set<string>([...dir.gateways.keys(), ...dir.members.keys()]);
  const broker = await Aedes.createBroker({
    // Pending packets before CONNACK: a gateway reconnecting with a full spool sends at once.
    queueLimit: 10_000,
    connectTimeout: ENDPOINT_LIMITS.connectTimeoutMs,
    // Client ids are `<principal>[-suffix]` (ingest/client-ids.ts): principal ids reach 64.
    maxClientsIdLength: 128,
    authenticate: authenticator(o, refuser, principals),
    authorizePublish(client, packet, done) {
      if (!client) return done(null); // the broker's own publishes (acks)
      if ((client as Tagged)[MEMBER] !== undefined) {
        // A task reader publishes nothing: refused, and aedes closes its connection.
        refuser.refusals.note(
          'key_publish',
          { clientId: client.id?.slice(0, 64), topic: packet.topic.slice(0, 120) },
          'refused: a key may not publish',
        );
        return done(new Error('API keys may only subscribe to grid tasks'));
      }
      const gw = (client as Tagged)[GATEWAY];
      // Nothing a gateway publishes is kept by the broker: retained messages live in aedes'
      // memory whatever ingest does with them (ingest keeps the status in Redis).
      packet.retain = false;
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      o.handle(gw, packet.topic, payload).then(
        () => done(null),
        (e: unknown) => done(e instanceof Error ? e : new Error(String(e))),
      );
    },
    authorizeSubscribe(client, sub, done) {
      const c = client as Tagged;
      const who = {
        ...(c[GATEWAY] !== undefined ? { gateway: c[GATEWAY] } : {}),
        ...(c[MEMBER] !== undefined ? { memberOrg: c[MEMBER] } : {}),
      };
      if (checkSubscribe(sub.topic, who, dir)) return done(null, sub);
      log.warn({ ...who, topic: sub.topic.slice(0, 120) }, 'subscription refused');
      done(null, null);
    },
  });
  broker.on('clientError', (client, err) =>
    log.debug({ clientId: client.id, err: err.message }, 'client error'),
  );
  const onSocket = socketHandler(broker, refuser, log);
  const servers: Server[] = [];
  const close = async () => {
    refuser.refusals.close();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            // Sockets still open (half-closed clients) would keep close() waiting.
            setTimeout(resolve, 2_000).unref();
          }),
      ),
    );
  };
  const listen = async (server: Server, port: number) => {
    server.maxConnections = ENDPOINT_LIMITS.maxConnections;
    servers.push(server);
    await listenOn(server, port, o.host, MQTT_LISTEN);
    return (server.address() as { port: number }).port;
  };
  let plainUrl: string | undefined;
  let tlsUrl: string | undefined;
  let port = 0;
  try {
    if (o.tls) {
      port = await listen(tlsServer(o.tls, onSocket, refuser), o.tls.port);
      tlsUrl = `mqtts://${o.host}:${port}`;
    }
    if (!o.tls || o.plaintext) {
      const p = await listen(createServer(onSocket), o.port);
      plainUrl = `mqtt://${o.host}:${p}`;
      if (!o.tls) port = p;
    }
  } catch (e) {
    await close();
    throw e;
  }
  const url = (tlsUrl ?? plainUrl)!;
  log.info({ url, ...(tlsUrl && plainUrl ? { plainUrl } : {}) }, 'MQTT endpoint listening');
  return {
    url,
    port,
    ...(plainUrl ? { plainUrl } : {}),
    publish(topic, payload) {
      const packet: PublishPacket = { cmd: 'publish', topic, payload, qos: 1, retain: false, dup: false };
      return new Promise((resolve, reject) => broker.publish(packet, (e) => (e ? reject(e) : resolve())));
    },
    clients: () => broker.connectedClients,
    close,
  };
}

/**
 * Each accepted socket (plain or TLS) goes to aedes behind the packet guard; connections not yet
 * authenticated are capped at ENDPOINT_LIMITS.maxPending.
 */
function socketHandler(broker: Aedes, refuser: Refuser, log: Logger): (socket: Socket) => void {
  let pending = 0;
  let refusedSockets = 0;
  broker.on('client', (client) => {
    const g = (client as Tagged)[GUARD];
    if (g) g.authenticated = true;
    (client as Tagged)[UNCOUNT]?.();
  });
  return (socket) => {
    if (pending >= ENDPOINT_LIMITS.maxPending) {
      refusedSockets++;
      refuser.refused.inc({ reason: 'pending_full' });
      if (refusedSockets % 100 === 1)
        log.warn({ pending, refusedSockets }, 'too many connections not yet authenticated: closing new ones');
      socket.destroy();
      return;
    }
    pending++;
    let counted = true;
    // Leaves the pending count once: authenticated, refused late (tarpit) or closed.
    const uncount = () => {
      if (!counted) return;
      counted = false;
      pending--;
    };
    socket.once('close', uncount);
    const guard = guardSocket(socket, refuser);
    const client = (broker.handle as (s: Socket) => Client)(socket) as Tagged;
    client[GUARD] = guard;
    client[UNCOUNT] = uncount;
  };
}

/** The TLS listener: client certificates asked for unless `off`, required only with `require`. */
function tlsServer(t: EndpointTls, onSocket: (socket: Socket) => void, refuser: Refuser): Server {
  const server = createTlsServer(
    {
      ...t.pem,
      requestCert: t.clientCerts !== 'off',
      // Checked in authenticate (a gateway without a certificate may still use its password).
      rejectUnauthorized: t.clientCerts === 'require',
      handshakeTimeout: ENDPOINT_LIMITS.connectTimeoutMs,
      minVersion: 'TLSv1.2',
    },
    onSocket,
  );
  server.on('tlsClientError', (e, socket) => {
    refuser.refused.inc({ reason: 'tls_handshake' });
    refuser.refusals.note(
      'tls_handshake',
      { address: socket.remoteAddress, err: e.message },
      'MQTT TLS handshake failed (plaintext client, unknown CA or bad client certificate)',
    );
  });
  return server;
}
