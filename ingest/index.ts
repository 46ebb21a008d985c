/** The arangodb side of ingestion: document -> collections -> JSONL files or a live ArangoDB. */
export { toCollections, DOCUMENT_COLLECTIONS, EDGE_COLLECTIONS, type Collections, type ArangoDoc, type ArangoEdge } from './collections.ts';
export { writeJsonl } from './jsonl.ts';
export { writeToArango, validateArangoTarget, type ArangoTarget, type ArangoWriteResult } from './arango.ts';
export { sanitizeKey } from './keys.ts';
