import { expect } from 'chai';
import {
  CommsError,
  createEnvelope,
  decodeEnvelope,
  decodeWorkflowControl,
  encodeEnvelope,
  eventEnvelope,
  parseTopic,
  TOPIC_TEMPLATES,
  Topics,
  type ModuleCard,
  type TopicName,
} from '../protocol/index.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof CommsError ? err.code : `not a CommsError: ${String(err)}`;
  }
  return undefined;
}

const card: ModuleCard = { name: 'm', version: '1.0.0', description: 'd', queries: [], backend: { kind: 'code' }, clientId: 'm', startedAt: new Date().toISOString() };

describe('the envelope path (protocol/decode.ts)', () => {
  it('builds broadcasts with eventEnvelope: kind event, to *, decodable', () => {
    const envelope = eventEnvelope({ from: 'm', conversationId: 's1', schema: 'module.card@1', body: card, seq: 3 });
    expect(envelope).to.include({ kind: 'event', to: '*', from: 'm', conversationId: 's1', seq: 3, schema: 'module.card@1' });
    expect(decodeEnvelope(encodeEnvelope(envelope), { schema: 'module.card@1' })).to.deep.equal(envelope);
  });

  it('checks the body when the topic fixes the schema, as for cards and statuses alike', () => {
    const badCard = encodeEnvelope(eventEnvelope({ from: 'm', conversationId: 's1', schema: 'module.card@1', body: { name: 'm' } }));
    expect(codeOf(() => decodeEnvelope(badCard, { schema: 'module.card@1' }))).to.equal('E_SCHEMA_INVALID');
    // Without a fixed schema the body is left to the receiver (queries are checked once a handler is found).
    expect(decodeEnvelope(badCard).body).to.deep.equal({ name: 'm' });
    const status = encodeEnvelope(eventEnvelope({ from: 'm', conversationId: 's1', schema: 'module.status@1', body: { state: 'online', sessionId: 's1', clientId: 'm', at: new Date().toISOString() } }));
    expect(codeOf(() => decodeEnvelope(status, { schema: 'module.card@1' })), 'a status on a card topic').to.equal('E_SCHEMA_INVALID');
  });

  it('refuses oversize, non-JSON and non-envelope payloads with distinct codes', () => {
    expect(codeOf(() => decodeEnvelope('{}', { maxBytes: 1 }))).to.equal('E_TOO_LARGE');
    expect(codeOf(() => decodeEnvelope(Buffer.from([0xff, 0xfe])))).to.equal('E_JSON_INVALID');
    expect(codeOf(() => decodeEnvelope('{"v":1}'))).to.equal('E_SCHEMA_INVALID');
  });

  it('reads workflow control as an envelope or as the bare JSON body, both against workflow.control@1', () => {
    expect(decodeWorkflowControl('{"command":"pause"}')).to.deep.equal({ command: 'pause' });
    const envelope = createEnvelope({ kind: 'event', from: 'cli', to: 'orchestrator', conversationId: 'w1', schema: 'workflow.control@1', body: { command: 'cancel', reason: 'no' } });
    expect(decodeWorkflowControl(encodeEnvelope(envelope))).to.deep.equal({ command: 'cancel', reason: 'no' });
    expect(codeOf(() => decodeWorkflowControl('{"command":"explode"}'))).to.equal('E_SCHEMA_INVALID');
    expect(codeOf(() => decodeWorkflowControl(encodeEnvelope({ ...envelope, body: { command: 'explode' } })))).to.equal('E_SCHEMA_INVALID');
    expect(codeOf(() => decodeWorkflowControl(encodeEnvelope({ ...envelope, schema: 'cancel@1' })))).to.equal('E_SCHEMA_INVALID');
    expect(codeOf(() => decodeWorkflowControl('pause'))).to.equal('E_JSON_INVALID');
  });
});

describe('the topic map (protocol/topics.ts)', () => {
  it('builds, classifies and filters every topic from its one template', () => {
    for (const name of Object.keys(TOPIC_TEMPLATES) as TopicName[]) {
      const build = Topics[name] as (id: string) => string;
      const topic = build('abc-1');
      expect(topic).to.equal(TOPIC_TEMPLATES[name].replace(/\{\w+\}/, 'abc-1'));
      expect(parseTopic(topic), topic).to.deep.equal({ kind: name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), subject: 'abc-1' });
      expect(codeOf(() => build('a/b')), `${name} refuses '/'`).to.equal('E_TOPIC_INVALID');
    }
    expect(Topics.filters.allCards).to.equal('comms/v1/modules/+/card');
    expect(Topics.filters.allWorkflowControls).to.equal('comms/v1/workflows/+/control');
    expect(Topics.deadletter('m').startsWith(Topics.deadLetterPrefix)).to.equal(true);
    expect(parseTopic('comms/v1/modules/m/other')).to.equal(undefined);
  });
});
