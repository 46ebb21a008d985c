import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pageConfig } from './page-config.ts';

export { pageConfig, type PageConfig } from './page-config.ts';

export interface DashboardServerOptions {
  /** HTTP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1 (the page carries the observer password in its URL). */
  host?: string;
  /** The broker's MQTT-over-WebSocket URL (`broker.wsUrl`): the only place the page may connect to. */
  wsUrl: string;
  /** The broker checks logins (RolePolicy): the page asks for a username and password first. Default true. */
  secured?: boolean;
  /** Module name of the recorder the page sends history queries to. Default `recorder`. */
  recorder?: string;
}

export interface DashboardServer {
  /** http://host:port/ ; the page asks for the login itself (`dashboardPageUrl` adds `?ws=` and a username). */
  url: string;
  close(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
/** The page's scripts, loaded in this order by page.html. */
const PAGE_SCRIPTS = ['bus.js', 'render.js', 'history.js', 'app.js'];

/** The mqtt package's browser bundle (defines the global `mqtt`). Its exports map `mqtt/dist/*` to `dist/*.js`. */
function mqttBundlePath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mqtt/package.json')), 'dist', 'mqtt.min.js');
}

/** Check the broker URL and turn it into a CSP source expression (scheme, host, port; no path). */
function wsSource(wsUrl: string): string {
  let parsed: URL;
  try {
    parsed = new URL(wsUrl);
  } catch {
    throw new TypeError(`dashboard wsUrl is not a URL: ${JSON.stringify(wsUrl)}; expected ws://host:port or wss://host:port`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new TypeError(`dashboard wsUrl must be ws:// or wss://, got ${parsed.protocol}//`);
  }
  if (parsed.username || parsed.password) throw new TypeError('dashboard wsUrl must not carry credentials; the page takes them from its query string');
  return `${parsed.protocol}//${parsed.host}`;
}

/**
 * URL of the page for a given broker, e.g. for `comms up` to print. The password is never part of
 * it: the page asks for it in its login form, so it stays out of the address bar, history and logs.
 */
export function dashboardPageUrl(serverUrl: string, login: { wsUrl: string; username?: string }): string {
  const url = new URL(serverUrl);
  url.searchParams.set('ws', login.wsUrl);
  if (login.username) url.searchParams.set('username', login.username);
  return url.toString();
}

/**
 * Serve the dashboard (page.html, its scripts, style.css, the mqtt browser bundle, and config.json
 * with the ws URL and the topic filters from the topic map) from a tiny static HTTP server. The page
 * connects straight to the broker over WebSocket with the login typed into it (observer: read only;
 * operator: workflow controls and history); this server never touches the bus and holds no secret.
 */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const source = wsSource(options.wsUrl);
  const host = options.host ?? '127.0.0.1';
  const files = new Map<string, { type: string; body: Buffer }>();
  const page = { type: 'text/html; charset=utf-8', body: readFileSync(join(here, 'page.html')) };
  files.set('/', page);
  files.set('/page.html', page);
  files.set('/index.html', page);
  for (const script of PAGE_SCRIPTS) files.set(`/${script}`, { type: 'text/javascript; charset=utf-8', body: readFileSync(join(here, script)) });
  files.set('/style.css', { type: 'text/css; charset=utf-8', body: readFileSync(join(here, 'style.css')) });
  files.set('/mqtt.min.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(mqttBundlePath()) });
  const config = pageConfig({ wsUrl: options.wsUrl, secured: options.secured ?? true, recorder: options.recorder ?? 'recorder' });
  files.set('/config.json', { type: 'application/json; charset=utf-8', body: Buffer.from(JSON.stringify(config)) });

  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    // mqtt.js runs its keepalive timer in a Worker made from a blob: URL, so background tabs do not throttle it.
    "worker-src blob:",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${source}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const headers: Record<string, string> = {
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      'X-Frame-Options': 'DENY',
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const file = files.get(path);
    if (!file) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': file.type, 'Content-Length': String(file.body.length) });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
