import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { ALL_SCHEMAS, ERROR_CODES, Topics } from '../protocol/index.ts';
import { ASYNCAPI_PATH, buildAsyncApi, componentKey } from '../docs/generate-asyncapi.ts';

const docsFile = (name: string) => readFileSync(new URL(`../docs/${name}`, import.meta.url), 'utf8');

type Doc = {
  channels: Record<string, { address: string; parameters: Record<string, unknown>; messages: Record<string, unknown> }>;
  [key: string]: unknown;
};

/** Every `$ref` in a JSON document, with the path it appears under. */
function refsOf(value: unknown, at = '#', found: Array<[string, string]> = []): Array<[string, string]> {
  if (Array.isArray(value)) value.forEach((v, i) => refsOf(v, `${at}/${i}`, found));
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') found.push([at, inner]);
      else refsOf(inner, `${at}/${key}`, found);
    }
  }
  return found;
}

function resolvePointer(doc: unknown, ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), doc);
}

describe('docs', () => {
  describe('errors.md', () => {
    it('lists exactly the codes of ERROR_CODES, once each', () => {
      const rows = docsFile('errors.md')
        .split('\n')
        .filter((line) => line.startsWith('| `E_'))
        .map((line) => /^\| `(E_[A-Z_]+)`/.exec(line)?.[1]);
      expect(rows, 'every table row names one code').to.not.include(undefined);
      expect(new Set(rows).size, 'no code is listed twice').to.equal(rows.length);
      expect([...rows].sort()).to.deep.equal(Object.keys(ERROR_CODES).sort());
    });
  });

  describe('asyncapi.json', () => {
    const committed = JSON.parse(readFileSync(ASYNCAPI_PATH, 'utf8')) as Doc;
    const generated = JSON.parse(JSON.stringify(buildAsyncApi())) as Doc;

    it('equals what docs/generate-asyncapi.ts generates from protocol/ (run `npx tsx docs/generate-asyncapi.ts`)', () => {
      expect(committed).to.deep.equal(generated);
    });

    it('is AsyncAPI 3.0 with every channel address under comms/v1/', () => {
      expect(generated.asyncapi).to.equal('3.0.0');
      const addresses = Object.values(generated.channels).map((c) => c.address);
      expect(addresses).to.have.length.greaterThan(0);
      for (const address of addresses) expect(address.startsWith('comms/v1/'), address).to.equal(true);
    });

    it('covers the topic map of protocol/topics.ts, with a parameter per {placeholder}', () => {
      const addresses = new Set(Object.values(generated.channels).map((c) => c.address));
      const builders = Object.entries(Topics).filter((entry): entry is [string, (id: string) => string] => typeof entry[1] === 'function');
      for (const [name, build] of builders) {
        const address = build('x').replace(/\/x(\/|$)/, (_, tail: string) => `/{${name.startsWith('replies') || name === 'replicaStatus' ? 'clientId' : /^(module|deadletter)/.test(name) ? 'module' : 'id'}}${tail}`);
        expect(addresses.has(address), `${name}: ${address}`).to.equal(true);
      }
      for (const channel of Object.values(generated.channels)) {
        const placeholders = [...channel.address.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        expect(Object.keys(channel.parameters)).to.deep.equal(placeholders);
        expect(Object.keys(channel.messages)).to.have.length.greaterThan(0);
      }
    });

    it('documents every body of ALL_SCHEMAS, and no message body outside it', () => {
      const components = (generated.components as { schemas: Record<string, unknown>; messages: Record<string, { payload: { allOf: Array<{ properties?: { schema?: { const?: string } } }> } }> });
      expect(Object.keys(components.schemas).sort()).to.deep.equal(['Envelope', ...Object.keys(ALL_SCHEMAS).map(componentKey)].sort());
      const carried = Object.values(components.messages).flatMap((m) => m.payload.allOf.map((part) => part.properties?.schema?.const).filter((id): id is string => id !== undefined));
      for (const id of carried) expect(Object.hasOwn(ALL_SCHEMAS, id), id).to.equal(true);
      // Every body is carried by a message, except the workflow definition, which travels inside workflow.execute@1.
      const standalone = Object.keys(ALL_SCHEMAS).filter((id) => id !== 'workflow.define@1');
      expect(standalone.filter((id) => !carried.includes(id))).to.deep.equal([]);
    });

    it('has no dangling $ref', () => {
      for (const [at, ref] of refsOf(generated)) {
        expect(ref.startsWith('#/'), `${at}: ${ref}`).to.equal(true);
        expect(resolvePointer(generated, ref), `${at}: ${ref}`).to.not.equal(undefined);
      }
    });
  });
});
