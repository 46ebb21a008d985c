import './build-dist.ts';
// Actors log JSON to stderr; in the suite that is noise unless someone asks for it (COMMS_LOG_LEVEL=debug npm test).
process.env.COMMS_LOG_LEVEL ??= 'silent';
