import { CommsError } from './errors.ts';

/** A body schema id: `name@major`, e.g. `pdf.requirements.query@1`. */
export const SCHEMA_ID_PATTERN = '^[a-z][a-z0-9_.-]*@[1-9][0-9]*$';

export interface SchemaId {
  name: string;
  major: number;
}

export function parseSchemaId(id: string): SchemaId {
  const at = id.lastIndexOf('@');
  const name = id.slice(0, at);
  const major = Number(id.slice(at + 1));
  if (at <= 0 || !Number.isInteger(major) || major < 1 || !/^[a-z][a-z0-9_.-]*$/.test(name)) {
    throw new CommsError('E_SCHEMA_INVALID', `schema id ${JSON.stringify(id)} must look like 'name@major', e.g. 'pdf.requirements.query@1'.`);
  }
  return { name, major };
}
