import { CommsError, newId, type WorkflowDefinition, type WorkflowStep } from '../../protocol/index.ts';
import { WORKFLOW_TEMPLATES, type WorkflowTemplate } from './templates.ts';

const WHOLE_PARAM = /^\$\{params\.([A-Za-z0-9_]+)\}$/;

export function findTemplate(name: string): WorkflowTemplate {
  const template = WORKFLOW_TEMPLATES.find((t) => t.name === name);
  if (!template) {
    throw new CommsError('E_NOT_FOUND', `no workflow template ${name}; templates: ${WORKFLOW_TEMPLATES.map((t) => t.name).join(', ')}`, { hint: 'list them with comms templates' });
  }
  return template;
}

/**
 * A template's definition with `params` filled in (docs/workflows.md, Templates). Unknown and
 * missing required params are E_WORKFLOW_INVALID naming them; the result is validated again by
 * createWorkflow like any definition.
 */
export function instantiateTemplate(name: string, params: Record<string, unknown> = {}, id?: string): WorkflowDefinition {
  const template = findTemplate(name);
  const unknown = Object.keys(params).filter((p) => !(p in template.params));
  if (unknown.length > 0) {
    throw new CommsError('E_WORKFLOW_INVALID', `template ${name} has no param(s) ${unknown.join(', ')}; it takes ${Object.keys(template.params).join(', ') || 'none'}`, { path: `/params/${unknown[0]}` });
  }
  const missing = Object.entries(template.params).filter(([p, spec]) => spec.required && params[p] === undefined);
  if (missing.length > 0) throw new CommsError('E_WORKFLOW_INVALID', `template ${name} needs param(s) ${missing.map(([p]) => p).join(', ')}`, { path: `/params/${missing[0]?.[0]}` });
  return { id: id ?? `${name}-${newId().toLowerCase()}`, name, steps: template.steps.map((step) => fillStep(step, params)) };
}

function fillStep(step: WorkflowStep, params: Record<string, unknown>): WorkflowStep {
  return step.input === undefined ? step : { ...step, input: fill(step.input, params) as Record<string, unknown> };
}

/** Whole-string placeholders take the value (any type) or drop their key; `${steps...}` stays for the run. */
function fill(value: unknown, params: Record<string, unknown>): unknown {
  if (Array.isArray(value)) return value.map((v) => fill(v, params)).filter((v) => v !== undefined);
  if (typeof value === 'string') {
    const whole = WHOLE_PARAM.exec(value);
    return whole ? params[whole[1] as string] : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).map(([k, v]) => [k, fill(v, params)] as const);
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
}
