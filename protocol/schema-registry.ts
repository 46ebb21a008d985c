import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ALL_SCHEMAS } from './all-schemas.ts';
import { describeProblems } from './envelope.ts';
import { CommsError } from './errors.ts';
import { parseSchemaId } from './schema-id.ts';

/**
 * Body schemas by id (`name@major`), compiled once. Validation failures name the schema and every
 * offending path; an unknown major of a known name is E_VERSION_UNSUPPORTED, not E_UNKNOWN_QUERY,
 * so the sender knows to change version rather than give up.
 */
export class SchemaRegistry {
  private readonly checks = new Map<string, TypeCheck<TSchema>>();
  private readonly schemas = new Map<string, TSchema>();

  constructor(initial: Readonly<Record<string, TSchema>> = ALL_SCHEMAS) {
    for (const [id, schema] of Object.entries(initial)) this.register(id, schema);
  }

  register(id: string, schema: TSchema): this {
    parseSchemaId(id);
    this.schemas.set(id, schema);
    this.checks.set(id, TypeCompiler.Compile(schema));
    return this;
  }

  has(id: string): boolean {
    return this.checks.has(id);
  }

  get(id: string): TSchema | undefined {
    return this.schemas.get(id);
  }

  ids(): string[] {
    return [...this.schemas.keys()];
  }

  /** Majors registered under a schema name, for E_VERSION_UNSUPPORTED messages. */
  majorsOf(name: string): number[] {
    return this.ids()
      .map((id) => parseSchemaId(id))
      .filter((s) => s.name === name)
      .map((s) => s.major);
  }

  /** Throws unless `body` is valid for schema `id`. */
  validate(id: string, body: unknown): void {
    const check = this.checks.get(id);
    if (!check) {
      const { name } = parseSchemaId(id);
      const majors = this.majorsOf(name);
      if (majors.length > 0) {
        throw new CommsError('E_VERSION_UNSUPPORTED', `schema ${id} is not supported; supported: ${majors.map((m) => `${name}@${m}`).join(', ')}.`, { supported: majors });
      }
      throw new CommsError('E_UNKNOWN_QUERY', `no schema registered for ${id}. Known: ${this.ids().join(', ')}.`);
    }
    if (!check.Check(body)) {
      const problems = describeProblems(check, body);
      throw new CommsError('E_SCHEMA_INVALID', `body is not a valid ${id}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, { schema: id, problems });
    }
  }
}
