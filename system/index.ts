export * from './start-system.ts';
