/** What other folders (examples/) may use of the CLI: how the data folder is found. */
export { resolveDataDir, type DataDir, type DataDirSource } from './data-dir.ts';
