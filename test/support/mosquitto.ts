import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => spawnSync(p, ['-h']).error === undefined);

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts mosquitto on a free port and resolves once it accepts connections (its "running" log line
 * says so). If it exits before that (another process took the port in between), it tries a new port.
 */
export async function startMosquitto(dir: string, attempts = 3): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 100000\n`);
  return startMosquittoWithConfig(config, port);
}

/** Starts mosquitto with a ready configuration whose listener is 127.0.0.1:`port`; `log` collects its output. */
export async function startMosquittoWithConfig(config: string, port: number): Promise<{ url: string; process: ChildProcess; log: () => string }> {
  let log = '';
  const child = spawn(MOSQUITTO as string, ['-c', config, '-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    // "Opening ipv4 listen socket" is logged before the socket listens; "running" only after every
    // listener is open. Lines may be split across chunks, so match on the accumulated log.
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (/mosquitto version \S+ running/.test(log)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`mosquitto exited with ${code}: ${log}`)));
  });
  return { url: `mqtt://127.0.0.1:${port}`, process: child, log: () => log };
}

/**
 * A mocha suite's own mosquitto in a temp folder: started in `before` (the suite is skipped, saying
 * how to install it, when mosquitto is missing), stopped and removed in `after`.
 */
export function mosquittoForSuite(prefix: string): { url(): string; dir(): string } {
  let broker: { url: string; process: ChildProcess } | undefined;
  let folder: string | undefined;
  before(async function () {
    if (!MOSQUITTO) {
      console.warn('mosquitto is not installed: run `apt-get install -y mosquitto` (the CI script does) to run these tests');
      this.skip();
    }
    folder = mkdtempSync(join(tmpdir(), prefix));
    broker = await startMosquitto(folder);
  });
  after(() => {
    broker?.process.kill('SIGTERM');
    if (folder) rmSync(folder, { recursive: true, force: true });
  });
  return { url: () => (broker as { url: string }).url, dir: () => folder as string };
}
