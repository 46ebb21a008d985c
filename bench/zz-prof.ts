import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEnvelope, eventEnvelope, Topics } from '../protocol/index.ts';
import { MessageRecorder, openWriter } from '../storage/index.ts';
const msgs = [] as Array<{ topic: string; payload: Buffer; retained: boolean }>;
for (let i = 0; i < 30000; i++) {
  const c = `c-${Math.floor(i / 100)}`; const seq = (i % 100) + 1;
  msgs.push({ topic: Topics.conversationEvents(c), retained: false, payload: encodeEnvelope(eventEnvelope({ from: 'p', conversationId: c, seq, schema: 'conversation.event@1', body: { type: 'progress', state: 'working', requester: 'p', responder: 'w', query: 'w@1', requestId: c + '-r', attempt: 1, progress: { percent: seq, stage: `step ${seq}` } } })) });
}
const db = openWriter(join(mkdtempSync(join(tmpdir(), 'prof-')), 'p.db'));
const r = new MessageRecorder(db);
const t = performance.now(); for (let i = 0; i < msgs.length; i += 200) r.recordBatch(msgs.slice(i, i + 200)); console.log('recordBatch us', ((performance.now() - t) / msgs.length * 1000).toFixed(1));
