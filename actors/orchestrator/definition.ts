import { TypeCompiler } from '@sinclair/typebox/compiler';
import { CommsError, describeProblems, newId } from '../../protocol/index.ts';
import { WorkflowDefinition, type ValidWorkflow, type WorkflowStep } from '../../protocol/index.ts';

const checkDefinition = TypeCompiler.Compile(WorkflowDefinition);

/** `${steps.<stepId>.output.<path>}` anywhere in a string, or a whole `{ $ref: 'steps.<stepId>.output.<path>' }`. */
const TEMPLATE = /\$\{\s*(steps\.[^}\s]+)\s*\}/g;
const WHOLE_TEMPLATE = /^\$\{\s*(steps\.[^}\s]+)\s*\}$/;
const REF = /^steps\.([a-z0-9][a-z0-9_.-]{0,63}?)\.output(?:\.(.+))?$/;

interface Reference {
  stepId: string;
  path: string[];
}

function parseReference(text: string, where: string): Reference {
  const match = REF.exec(text);
  if (!match) throw invalid(`${where}: reference ${JSON.stringify(text)} must look like steps.<stepId>.output[.<path>]`, where);
  return { stepId: match[1] as string, path: match[2] ? match[2].split('.') : [] };
}

function invalid(message: string, path: string): CommsError {
  return new CommsError('E_WORKFLOW_INVALID', message, { path });
}

function isRef(value: unknown): value is { $ref: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && typeof (value as { $ref?: unknown }).$ref === 'string';
}

/** Every reference in a step's input, with the JSON pointer where it sits. */
function collectReferences(value: unknown, where: string, out: Array<Reference & { where: string }>): void {
  if (typeof value === 'string') {
    for (const match of value.matchAll(TEMPLATE)) out.push({ ...parseReference(match[1] as string, where), where });
  } else if (isRef(value)) {
    out.push({ ...parseReference(value.$ref, where), where });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => collectReferences(v, `${where}/${i}`, out));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) collectReferences(v, `${where}/${k}`, out);
  }
}

/**
 * Check a definition and give it an id. Throws E_WORKFLOW_INVALID with `details.path` (a JSON
 * pointer into the definition) for: schema problems, duplicate step ids, a step with neither
 * module nor capability, an unknown dependency, a cycle, and an input reference to a step that is
 * not among the step's (transitive) dependencies.
 */
export function validateWorkflow(definition: unknown): ValidWorkflow {
  if (!checkDefinition.Check(definition)) {
    const problems = describeProblems(checkDefinition, definition);
    throw new CommsError('E_WORKFLOW_INVALID', `workflow definition is invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, { path: problems[0]?.path, problems });
  }
  const def = definition as WorkflowDefinition;
  if (def.steps.length === 0) throw invalid('/steps: a workflow needs at least one step', '/steps');
  const index = new Map<string, number>();
  def.steps.forEach((step, i) => {
    if (index.has(step.id)) throw invalid(`/steps/${i}/id: step id ${step.id} is used twice`, `/steps/${i}/id`);
    index.set(step.id, i);
    if (!step.module && !step.capability) throw invalid(`/steps/${i}: step ${step.id} needs a module or a capability`, `/steps/${i}`);
  });
  def.steps.forEach((step, i) =>
    (step.dependsOn ?? []).forEach((dep, j) => {
      if (!index.has(dep)) throw invalid(`/steps/${i}/dependsOn/${j}: step ${step.id} depends on unknown step ${dep}`, `/steps/${i}/dependsOn/${j}`);
    }),
  );
  // Cycle check (depth-first, three colours); the message names the loop.
  const colour = new Map<string, 'grey' | 'black'>();
  const byId = new Map(def.steps.map((s) => [s.id, s]));
  const visit = (id: string, trail: string[]): void => {
    if (colour.get(id) === 'black') return;
    if (colour.get(id) === 'grey') {
      const loop = [...trail.slice(trail.indexOf(id)), id];
      throw invalid(`/steps/${index.get(id)}/dependsOn: dependency cycle ${loop.join(' -> ')}`, `/steps/${index.get(id)}/dependsOn`);
    }
    colour.set(id, 'grey');
    for (const dep of byId.get(id)?.dependsOn ?? []) visit(dep, [...trail, id]);
    colour.set(id, 'black');
  };
  for (const step of def.steps) visit(step.id, []);
  def.steps.forEach((step, i) => {
    const ancestors = ancestorsOf(step.id, byId);
    const refs: Array<Reference & { where: string }> = [];
    collectReferences(step.input ?? {}, `/steps/${i}/input`, refs);
    for (const ref of refs) {
      if (!ancestors.has(ref.stepId)) {
        throw invalid(`${ref.where}: step ${step.id} references the output of ${ref.stepId}, which is not one of its dependencies; add it to dependsOn`, ref.where);
      }
    }
  });
  return { ...def, id: def.id ?? newId() };
}

function ancestorsOf(id: string, byId: Map<string, WorkflowStep>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(byId.get(id)?.dependsOn ?? [])];
  while (stack.length > 0) {
    const next = stack.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(byId.get(next)?.dependsOn ?? []));
  }
  return seen;
}

function lookup(outputs: Record<string, unknown>, ref: Reference, where: string): unknown {
  let value: unknown = outputs[ref.stepId];
  for (const key of ref.path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) {
      throw new CommsError('E_WORKFLOW_INVALID', `${where}: the output of step ${ref.stepId} has no ${ref.path.join('.')}`, { path: where });
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Replace references with earlier steps' outputs. A string that is only a `${...}` takes the
 * referenced value as is (object, number...); a reference inside longer text is interpolated.
 */
export function resolveInput(input: unknown, outputs: Record<string, unknown>, where = '/input'): unknown {
  if (typeof input === 'string') {
    const whole = WHOLE_TEMPLATE.exec(input);
    if (whole) return lookup(outputs, parseReference(whole[1] as string, where), where);
    return input.replace(TEMPLATE, (_m, text: string) => {
      const value = lookup(outputs, parseReference(text, where), where);
      return typeof value === 'string' ? value : JSON.stringify(value);
    });
  }
  if (isRef(input)) return lookup(outputs, parseReference(input.$ref, where), where);
  if (Array.isArray(input)) return input.map((v, i) => resolveInput(v, outputs, `${where}/${i}`));
  if (typeof input === 'object' && input !== null) {
    return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, resolveInput(v, outputs, `${where}/${k}`)]));
  }
  return input;
}
