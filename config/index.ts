/** comms.config.json: the instance-backed modules `comms up` hosts (docs/instances.md, Configuration). */
export { CommsConfig, ConfigModule, ConfigQuery, CONFIG_BACKENDS, MODULE_KINDS, ADVISOR_QUERIES } from './comms-config.ts';
export { DEFAULT_CONFIG } from './default-config.ts';
export { loadCommsConfig, parseCommsConfig, jsonPath, DEFAULT_CONFIG_FILE, type LoadedConfig } from './load-config.ts';
export { resolveConfigBackend, type ResolvedBackend } from './resolve-backend.ts';
export { jsonSchemaType } from './json-schema-type.ts';
