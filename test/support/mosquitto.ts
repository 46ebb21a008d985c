import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => spawnSync(p, ['-h']).error === undefined);

function freePort(): Promise<number> {
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
  const child = spawn(MOSQUITTO as string, ['-c', config, '-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const running = await new Promise<boolean>((resolve) => {
    // "running" is logged after every listener is bound and listening; "Opening ipv4 listen socket"
    // comes before bind(), so a client connecting on it can be refused on a loaded machine.
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (/mosquitto version \S+ running/.test(log)) resolve(true);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', () => resolve(false));
  });
  if (!running) {
    if (attempts > 1) return startMosquitto(dir, attempts - 1);
    throw new Error(`mosquitto exited before listening on port ${port}:\n${log}`);
  }
  return { url: `mqtt://127.0.0.1:${port}`, process: child };
}
