import { expect } from 'chai';
import mqtt from 'mqtt';
import { Actor } from '../actors/runtime/index.ts';
import { startBroker, type EmbeddedBroker } from '../broker/index.ts';
import { OnlineModules } from '../cli/online-modules.ts';
import { CommsError, encodeEnvelope, eventEnvelope, Topics } from '../protocol/index.ts';
import { createLogger } from '../logging/index.ts';

/**
 * Who is online, as `comms ask` sees it before asking (cli/online-modules.ts). aedes sends a
 * subscription's retained messages one per event-loop turn, so the client's own status echo, the
 * old end-of-burst marker, overtook most of a large burst: `comms ask` said "no module named X" for
 * a module that was online (seen once in CI with five modules, orchestrator last).
 */
describe('OnlineModules: the whole retained burst, not only what came before our own echo', function () {
  this.timeout(60_000);
  const MODULES = 300;
  let broker: EmbeddedBroker;
  let actor: Actor;

  beforeEach(async () => {
    broker = await startBroker({ port: 0 });
    const raw = await mqtt.connectAsync(broker.url, { clientId: 'raw', protocolVersion: 4 });
    for (let i = 0; i < MODULES; i++) {
      const status = eventEnvelope({ from: `m${i}`, conversationId: `s${i}`, schema: 'module.status@1', body: { state: 'online', sessionId: `s${i}`, clientId: `c${i}`, at: new Date().toISOString() } });
      await raw.publishAsync(Topics.moduleStatus(`m${i}`), encodeEnvelope(status), { qos: 1, retain: true });
    }
    await raw.endAsync();
    actor = new Actor({ name: 'client', url: broker.url, logger: createLogger('client', 'silent') });
  });

  afterEach(async () => {
    await actor.stop();
    await broker.close();
  });

  it(`finds the last of ${MODULES} retained statuses`, async () => {
    const presence = new OnlineModules(actor);
    await actor.start();
    await presence.require(`m${MODULES - 1}`);
    expect(presence.online()).to.have.length(MODULES);
  });

  it('refuses a module that is not there with E_NO_SUCH_MODULE, listing every module of the burst', async () => {
    const presence = new OnlineModules(actor);
    await actor.start();
    const refused = await presence.require('nobody').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).to.be.instanceOf(CommsError);
    expect((refused as CommsError).code).to.equal('E_NO_SUCH_MODULE');
    expect(((refused as CommsError).details as { online: string[] }).online).to.have.length(MODULES);
  });
});
