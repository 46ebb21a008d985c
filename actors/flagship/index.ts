export { isPdfUrl, runMarkerToArangodb, type RunMarkerToArangodbOptions, type RunMarkerToArangodbResult } from './run-marker-to-arangodb.ts';
export { queryPdfRequirements } from './query-pdf-requirements.ts';
