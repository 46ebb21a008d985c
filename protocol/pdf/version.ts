import { CommsError } from '../errors.ts';

/**
 * Version of the `pdf.document` requirements (the exchange format).
 *
 * Policy (semantic versioning, the major is what the wire schema id carries: `pdf.requirements@1`):
 * - PATCH: wording, hints, mapping notes; no change to what validates.
 * - MINOR: new optional fields or new optional block attributes. A 1.x document validates against
 *   any 1.y requirements, so receivers must ignore fields they do not know.
 * - MAJOR: anything a 1.x reader could misread (renamed/removed fields, new required fields,
 *   changed meaning of a field, new block type a reader must understand). Receivers reply
 *   `E_VERSION_UNSUPPORTED` and the sender converts with `convertToRequiredFormat` or upgrades.
 */
export const PDF_REQUIREMENTS_VERSION = '1.0.0';
export const PDF_REQUIREMENTS_MAJOR = 1;

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
}

const SEMVER = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?$/;

/** Accepts `1`, `1.2`, `1.2.3` (and a leading `v`) so requesters can name just a major. */
export function parseVersion(version: string): SemVer {
  const m = SEMVER.exec(version.trim());
  if (!m) {
    throw new CommsError('E_VERSION_UNSUPPORTED', `"${version}" is not a version; use MAJOR.MINOR.PATCH such as ${PDF_REQUIREMENTS_VERSION}`);
  }
  return { major: Number(m[1]), minor: Number(m[2] ?? 0), patch: Number(m[3] ?? 0) };
}

/**
 * True when a document written at version `have` may be read by a receiver that asked for `want`.
 * Only the major decides: minors add optional fields, which a reader at either side tolerates.
 * Unparseable versions are never compatible.
 */
export function isCompatibleVersion(have: string, want: string): boolean {
  try {
    return parseVersion(have).major === parseVersion(want).major;
  } catch {
    return false;
  }
}

export function majorOf(version: string): number {
  return parseVersion(version).major;
}
