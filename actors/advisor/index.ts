/** The advisor module: compatibility checks and free-text questions, answered by rules and LLM instances. */
export { createAdvisor, type AdvisorModule, type AdvisorOptions, type AdvisorQuery } from './advisor.ts';
export { ruleFindings, isProblem, type RuleVerdict } from './compatibility-rules.ts';
