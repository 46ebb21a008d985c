import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { createArangodbActor } from '../actors/arangodb/index.ts';
import { Actor } from '../actors/runtime/index.ts';
import { startBroker, type EmbeddedBroker } from '../broker/index.ts';
import { createLogger } from '../logging/index.ts';
import { CommsError, decodeEnvelope, scanJson, Topics, type DeadLetter, type Envelope, type ErrorReply } from '../protocol/index.ts';
import { PDF_REQUIREMENTS_QUERY_SCHEMA_ID } from '../protocol/pdf/index.ts';

const logger = createLogger('test', process.env.COMMS_LOG_LEVEL ?? 'silent');

function thrown(fn: () => unknown): CommsError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CommsError) return err;
    throw err;
  }
  throw new Error('expected a CommsError');
}

/** `[[[[...]]]]`, `depth` deep: 2 bytes a level. */
function nested(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** A request envelope's first fields, addressed so an error reply can be salvaged, with `body` spliced in raw. */
function rawRequest(id: string, replyTo: string, schema: string, rawBody: string): Buffer {
  const head = JSON.stringify({ v: 1, id, kind: 'request', from: 'evil', to: 'arangodb', conversationId: `c-${id}`, replyTo, schema, sentAt: new Date().toISOString() });
  return Buffer.from(`${head.slice(0, -1)},"body":${rawBody}}`);
}

describe('bounded work per message (docs/security.md)', function () {
  this.timeout(120_000);

  describe('scanJson: limits checked on the raw bytes before parsing', () => {
    const limits = { maxBytes: 16 * 1024 * 1024, maxDepth: 64, maxStringBytes: 1024 };

    it('refuses 10 MB nested 5,000,000 deep after reading 65 bytes of it', () => {
      const error = thrown(() => scanJson(Buffer.from(nested(5_000_000)), limits));
      expect(error.code).to.equal('E_TOO_LARGE');
      expect(error.details).to.deep.include({ limit: 'depth', max: 64, offset: 64 });
      expect(error.message).to.contain('deeper than 64');
    });

    it('measures depth and the longest string, escapes included, and skips brackets inside strings', () => {
      const shape = scanJson(Buffer.from('{"a":[1,{"b":"x\\"]]]]\\\\"}],"cc":"[[[["}'), limits);
      expect(shape.depth).to.equal(3);
      expect(shape.longestString).to.equal('"x\\"]]]]\\\\"'.length);
    });

    it('refuses a string over the limit, and an unterminated one, naming where it starts', () => {
      const long = thrown(() => scanJson(Buffer.from(`{"k":"${'a'.repeat(2000)}"}`), limits));
      expect(long.details).to.deep.include({ limit: 'string', offset: 5, max: 1024 });
      const open = thrown(() => scanJson(Buffer.from(`{"k":"${'a'.repeat(2000)}`), limits));
      expect(open.message).to.contain('at least');
    });

    it('decodeEnvelope refuses the deep payload with E_TOO_LARGE (it was 26.9 s of JSON.parse before)', () => {
      const error = thrown(() => decodeEnvelope(rawRequest('deep', 'comms/v1/replies/evil', 'x@1', nested(5_000_000))));
      expect(error.code).to.equal('E_TOO_LARGE');
      expect((error.details as { limit: string }).limit).to.equal('depth');
    });
  });

  describe('a module under hostile messages', () => {
    let broker: EmbeddedBroker;
    let out: string;
    let arangodb: Actor;
    let client: Actor;
    let evil: MqttClient;
    const replies: Array<Envelope<ErrorReply>> = [];
    const deadLetters: Array<{ bytes: number; envelope: Envelope<DeadLetter> }> = [];
    const statuses: string[] = [];
    let onMessage: () => void = () => {};

    /** Resolves once `check` holds for what evil has received (re-checked on every message). */
    function seen<T>(check: () => T | undefined): Promise<T> {
      return new Promise((resolve) => {
        const tryNow = () => {
          const value = check();
          if (value !== undefined) {
            onMessage = () => {};
            resolve(value);
          }
        };
        onMessage = tryNow;
        tryNow();
      });
    }

    before(async () => {
      broker = await startBroker({ port: 0 });
      out = await mkdtemp(join(tmpdir(), 'comms-bounded-'));
      arangodb = await createArangodbActor({ url: broker.url, outDir: out, arango: false, logger }).start();
      client = await new Actor({ name: 'client', clientId: 'client-bounded', url: broker.url, logger }).start();
      evil = await mqtt.connectAsync(broker.url, { clientId: 'evil', protocolVersion: 4 });
      evil.on('message', (topic, payload) => {
        if (topic === Topics.replies('evil')) replies.push(JSON.parse(payload.toString()) as Envelope<ErrorReply>);
        else if (topic === Topics.deadletter('arangodb')) deadLetters.push({ bytes: payload.byteLength, envelope: JSON.parse(payload.toString()) as Envelope<DeadLetter> });
        else if (topic === Topics.moduleStatus('arangodb') && payload.byteLength > 0) statuses.push((JSON.parse(payload.toString()) as Envelope<{ state: string }>).body.state);
        onMessage();
      });
      await evil.subscribeAsync([Topics.replies('evil'), Topics.deadletter('arangodb'), Topics.moduleStatus('arangodb')], { qos: 1 });
    });

    after(async () => {
      await evil?.endAsync();
      await client?.stop();
      await arangodb?.stop();
      await broker?.close();
      await rm(out, { recursive: true, force: true });
    });

    beforeEach(() => {
      replies.length = 0;
      deadLetters.length = 0;
    });

    /** The dead letter of the payload whose sha256 this is, once it arrives (letters of earlier tests may still be in flight). */
    function letterOf(payload: Buffer): Promise<{ bytes: number; envelope: Envelope<DeadLetter> }> {
      const digest = createHash('sha256').update(payload).digest('hex');
      return seen(() => deadLetters.find((l) => l.envelope.body.sha256 === digest));
    }

    let fences = 0;
    /**
     * Arangodb handles its inbox in order and publishes its dead letters on one connection, so once the dead letter of
     * a poison sent now has arrived, every dead letter for what was sent before it has arrived too.
     */
    async function fence(): Promise<void> {
      const poison = Buffer.from(`fence ${++fences}`);
      await evil.publishAsync(Topics.moduleInbox('arangodb'), poison, { qos: 1 });
      await letterOf(poison);
    }

    function lettersOf(payload: Buffer): number {
      const digest = createHash('sha256').update(payload).digest('hex');
      return deadLetters.filter((l) => l.envelope.body.sha256 === digest).length;
    }

    it('answers a 10 MB, 5,000,000-deep request with E_TOO_LARGE and still answers an unrelated request', async () => {
      // Published first, so the unrelated request queues behind it on arangodb's connection.
      await evil.publishAsync(Topics.moduleInbox('arangodb'), rawRequest('deep1', Topics.replies('evil'), PDF_REQUIREMENTS_QUERY_SCHEMA_ID, nested(5_000_000)), { qos: 1 });
      const requirements = await client.ask<{ schemaId: string }>('arangodb', PDF_REQUIREMENTS_QUERY_SCHEMA_ID, {});
      expect(requirements.schemaId).to.equal('pdf.document');
      const error = await seen(() => replies.find((r) => r.correlationId === 'deep1'));
      expect(error.kind).to.equal('error');
      expect(error.body.code).to.equal('E_TOO_LARGE');
      expect((error.body.details as { limit: string }).limit).to.equal('depth');
    });

    it("holds each query to its own body limit: pdf.requirements.query@1 takes 256 KiB, not document.ingest@1's 12 MiB", async () => {
      const body = JSON.stringify({ acceptVersions: Array.from({ length: 40_000 }, () => '1.0.0') });
      expect(body.length).to.be.greaterThan(256 * 1024);
      await evil.publishAsync(Topics.moduleInbox('arangodb'), rawRequest('big1', Topics.replies('evil'), PDF_REQUIREMENTS_QUERY_SCHEMA_ID, body), { qos: 1 });
      const error = await seen(() => replies.find((r) => r.correlationId === 'big1'));
      expect(error.body.code).to.equal('E_TOO_LARGE');
      expect(error.body.message).to.contain('pdf.requirements.query@1');
      expect((error.body.details as { limit: string }).limit).to.equal('bytes');
    });

    it('dead-letters 3 MB of \\x01 once, as a bounded excerpt with size and sha256, and stays online', async () => {
      const poison = Buffer.alloc(3_000_000, 0x01);
      await evil.publishAsync(Topics.moduleInbox('arangodb'), poison, { qos: 1 });
      const letter = await letterOf(poison);
      // Escaped whole this was an 18.9 MB dead letter, over the packet limit: the broker dropped arangodb for it.
      expect(letter.bytes).to.be.lessThan(8 * 1024);
      expect(letter.envelope.body).to.deep.include({ size: 3_000_000, truncated: true, encoding: 'utf8', sha256: createHash('sha256').update(poison).digest('hex') });
      expect(letter.envelope.body.payload).to.equal('\x01'.repeat(1024));
      expect(['E_JSON_INVALID', 'E_TOO_LARGE']).to.include(letter.envelope.body.reason.code);

      // Still online and answering; a request sent after the poison is answered after its one dead letter.
      const requirements = await client.ask<{ schemaId: string }>('arangodb', PDF_REQUIREMENTS_QUERY_SCHEMA_ID, {});
      expect(requirements.schemaId).to.equal('pdf.document');
      expect(arangodb.connected).to.equal(true);
      expect(statuses.filter((s) => s !== 'online')).to.deep.equal([]);
      await fence();
      expect(lettersOf(poison)).to.equal(1);
    });

    it('answers the same poison with one error reply when it carries a replyTo', async () => {
      const poison = rawRequest('ctl1', Topics.replies('evil'), 'document.ingest@1', `"${'\x01'.repeat(3_000_000)}"`);
      await evil.publishAsync(Topics.moduleInbox('arangodb'), poison, { qos: 1 });
      const error = await seen(() => replies.find((r) => r.correlationId === 'ctl1'));
      expect(['E_JSON_INVALID', 'E_TOO_LARGE']).to.include(error.body.code);
      const letter = await letterOf(poison);
      expect(letter.bytes).to.be.lessThan(8 * 1024);
      expect(letter.envelope.body.originalId).to.equal('ctl1');
      await client.ask('arangodb', PDF_REQUIREMENTS_QUERY_SCHEMA_ID, {});
      await fence();
      expect(replies.filter((r) => r.correlationId === 'ctl1')).to.have.length(1);
      expect(lettersOf(poison)).to.equal(1);
    });
  });
});
