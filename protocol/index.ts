export * from './errors.ts';
export * from './identifiers.ts';
export * from './message-id.ts';
export * from './topics.ts';
export * from './schema-id.ts';
export * from './envelope.ts';
export * from './bodies.ts';
export * from './schema-registry.ts';
