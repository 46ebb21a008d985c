import { mkdtemp, rm } from 'node:fs/promises';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import mqtt, { type IClientOptions } from 'mqtt';
import { startBroker, type EmbeddedBroker } from '../broker/index.ts';
import { prepareSecurity } from '../security/index.ts';

/** The CONNACK return code a raw mqtt.js connect gets (0 when accepted; the client is closed again). */
async function connackCode(url: string, options: IClientOptions): Promise<number> {
  return mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 10_000, ...options }).then(
    async (client) => {
      await client.endAsync();
      return 0;
    },
    (e: Error & { code?: number }) => {
      if (typeof e.code !== 'number') throw e;
      return e.code;
    },
  );
}

const mqttString = (text: string) => {
  const bytes = Buffer.from(text);
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
};

/**
 * The CONNACK return code for a hand-written MQTT 3.1.1 CONNECT with clean session 0: mqtt.js
 * refuses to send an empty client id without clean session, so this speaks the bytes itself.
 */
function rawConnackCode(url: string, clientId: string, login?: { username: string; password: string }): Promise<number> {
  const { hostname, port } = new URL(url);
  const flags = login ? 0xc0 : 0x00; // username + password, clean session 0
  const body = Buffer.concat([
    mqttString('MQTT'),
    Buffer.from([4, flags, 0, 60]),
    mqttString(clientId),
    ...(login ? [mqttString(login.username), mqttString(login.password)] : []),
  ]);
  if (body.length > 127) throw new Error('test CONNECT too long for a one-byte remaining length');
  return new Promise((resolve, reject) => {
    const socket = connectTcp(Number(port), hostname, () => socket.write(Buffer.concat([Buffer.from([0x10, body.length]), body])));
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4) return;
      socket.destroy();
      if (received[0] !== 0x20) reject(new Error(`expected a CONNACK, got packet type 0x${received[0]?.toString(16)}`));
      else resolve(received[3] as number);
    });
    socket.on('close', () => reject(new Error('connection closed without a CONNACK')));
    socket.on('error', reject);
  });
}

describe('MQTT 3.1.1 conformance of the embedded broker', function () {
  let broker: EmbeddedBroker;
  const denied: string[] = [];

  before(async () => {
    broker = await startBroker({ port: 0, onDenied: (what) => denied.push(what) });
  });
  after(async () => {
    await broker?.close();
  });

  it('rejects an empty client id with clean session 0 with CONNACK 2 (paho zero_length_clientid)', async () => {
    expect(await rawConnackCode(broker.url, '')).to.equal(2);
    expect(await rawConnackCode(broker.url, 'kept-session')).to.equal(0);
    expect(denied.some((d) => d.includes('empty client id needs clean session 1'))).to.equal(true);
  });

  it('accepts an empty client id with clean session 1 (the broker assigns one)', async () => {
    expect(await connackCode(broker.url, { protocolVersion: 4, clientId: '', clean: true })).to.equal(0);
  });

  it('answers a client id with U+0000 with CONNACK 2 instead of only closing the socket', async () => {
    expect(await connackCode(broker.url, { protocolVersion: 4, clientId: 'a\u0000b', clean: true })).to.equal(2);
  });

  it('refuses an MQTT 5 client in 3.1.1 form and logs how to connect with protocol version 4', async () => {
    const before = denied.length;
    const refused = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'v5-tool', reconnectPeriod: 0, connectTimeout: 10_000 }).then(
      async (client) => {
        await client.endAsync();
        return undefined;
      },
      (e: Error & { code?: number }) => e,
    );
    expect(refused, 'an MQTT 5 connect must not be accepted').to.be.instanceOf(Error);
    // mqtt.js reads the 3.1.1 CONNACK 1 as an MQTT 5 reason code 1.
    expect(refused?.code).to.equal(1);
    const line = denied.slice(before).join('\n');
    expect(line).to.include('MQTT 3.1.1 (protocol level 4)');
    expect(line).to.include('protocolVersion: 4');
    expect(line).to.include('-V mqttv311');
  });

  it('rejects an empty client id with clean session 0 with CONNACK 2 also when security is on (before the password check)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'comms-conformance-'));
    const security = await prepareSecurity(dir, ['alpha']);
    const secured = await startBroker({ port: 0, access: security.access });
    try {
      const login = security.logins.alpha as { username: string; password: string };
      expect(await rawConnackCode(secured.url, '', login)).to.equal(2);
      expect(await rawConnackCode(secured.url, 'alpha', login)).to.equal(0);
    } finally {
      await secured.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
