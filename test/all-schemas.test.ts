import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import mqtt from 'mqtt';
import { ALL_SCHEMAS, decodeEnvelope, parseTopic, SchemaRegistry, Topics, type ModuleCard } from '../protocol/index.ts';
import { startSystem, type RunningSystem } from '../system/index.ts';
import { createLogger } from '../logging/index.ts';
import { DEFAULT_CONFIG } from '../config/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Folders with production code; tests, benchmarks and examples define their own throwaway modules. */
const PRODUCTION = ['actors', 'broker', 'cli', 'config', 'conversion', 'dashboard', 'extraction', 'ingest', 'instances', 'logging', 'protocol', 'security', 'state-machines', 'storage', 'system'];
/** Schema ids in production code that are not message bodies. */
const NOT_BODIES = new Set(['comms.envelope@1' /* the envelope itself */, 'comms.credentials@1' /* the credentials file */]);
const SYSTEM_MODULES = ['arangodb', 'marker', 'orchestrator', 'recorder', 'advisor', 'instances'];

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The plain JSON Schema a card carries for a TypeBox schema. */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe('ALL_SCHEMAS', () => {
  it('feeds the schema registry', () => {
    const registry = new SchemaRegistry();
    expect(registry.ids().sort()).to.deep.equal(Object.keys(ALL_SCHEMAS).sort());
  });

  it('holds every schema id written as a string literal in production code', () => {
    const missing: string[] = [];
    for (const file of PRODUCTION.flatMap((dir) => sourceFiles(join(ROOT, dir)))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/['"]([a-z][a-z0-9_.-]*@[1-9][0-9]*)['"]/g)) {
        const id = match[1] as string;
        if (!NOT_BODIES.has(id) && !Object.hasOwn(ALL_SCHEMAS, id)) missing.push(`${file.slice(ROOT.length)}: ${id}`);
      }
    }
    expect(missing, 'add these schemas to protocol/ and ALL_SCHEMAS').to.deep.equal([]);
  });

  describe('against the modules the system starts', () => {
    let system: RunningSystem;
    let dataDir: string;
    const cards = new Map<string, ModuleCard>();

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'comms-schemas-'));
      system = await startSystem({ port: 0, dataDir, arango: false, config: DEFAULT_CONFIG, logger: createLogger('comms', 'silent') });
      const client = await mqtt.connectAsync(system.broker.url, { clientId: 'schema-census', clean: true });
      try {
        // Cards are retained: subscribing delivers every started module's card.
        const all = new Promise<void>((resolve) => {
          client.on('message', (topic, payload) => {
            const module = parseTopic(topic)?.subject;
            if (!module || payload.length === 0) return;
            cards.set(module, decodeEnvelope(payload, { schema: 'module.card@1' }).body as ModuleCard);
            if (SYSTEM_MODULES.every((m) => cards.has(m))) resolve();
          });
        });
        await client.subscribeAsync(Topics.filters.allCards, { qos: 1 });
        await all;
      } finally {
        await client.endAsync();
      }
    });

    after(async () => {
      await system?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('lists every request and response schema of every card in ALL_SCHEMAS, as the same schema', () => {
      const seen: string[] = [];
      for (const module of SYSTEM_MODULES) {
        const card = cards.get(module) as ModuleCard;
        for (const query of card.queries) {
          for (const [id, schema] of [
            [query.schema, query.requestSchema],
            [query.responseSchemaId, query.responseSchema],
          ] as const) {
            expect(Object.hasOwn(ALL_SCHEMAS, id), `${module}: ${id} is not in ALL_SCHEMAS`).to.equal(true);
            expect(schema, `${module}: ${id} on the card differs from ALL_SCHEMAS['${id}']`).to.deep.equal(asJson(ALL_SCHEMAS[id]));
            seen.push(id);
          }
        }
      }
      // The census saw real queries (a card without queries would pass vacuously).
      expect(seen).to.include.members(['pdf.convert@1', 'document.ingest@1', 'workflow.execute@1', 'conversation.status.query@1', 'pdf.compatibility.check@1', 'ask@1', 'instance.control@1']);
    });
  });
});
