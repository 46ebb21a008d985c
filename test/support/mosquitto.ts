import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
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
