import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { CommsError } from '../../protocol/index.ts';

/** Largest PDF marker reads from a file or URL. */
export const DEFAULT_MAX_PDF_BYTES = 256 * 1024 * 1024;

/**
 * The folders marker may read PDFs from (docs/security.md, File access by policy). A path is
 * resolved to its real path (symlinks followed) and must lie inside the real path of a root; every
 * other path gets the same E_INPUT_REFUSED, whether it exists or not, so the error tells a requester
 * nothing about the host's files.
 */
export class InputRoots {
  readonly roots: readonly string[];

  constructor(roots: readonly string[], private readonly maxBytes = DEFAULT_MAX_PDF_BYTES) {
    this.roots = roots.map((root) => resolve(root));
  }

  /** The file's bytes, when `path` is a regular file under a root; E_INPUT_REFUSED for anything else outside. */
  async read(path: string): Promise<{ realPath: string; data: Uint8Array }> {
    const realPath = await this.contained(path);
    // O_NOFOLLOW: a file swapped for a symlink between the check and the open is not followed out of the root.
    const handle = await open(realPath, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => {
      throw refused(path);
    });
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new CommsError('E_PDF_INVALID', `${path} is not a regular file; name a PDF file.`, { path });
      if (stat.size > this.maxBytes) throw new CommsError('E_TOO_LARGE', `${path} is ${stat.size} bytes; marker reads PDFs up to ${this.maxBytes} bytes.`, { path, bytes: stat.size });
      return { realPath, data: new Uint8Array(await handle.readFile()) };
    } finally {
      await handle.close();
    }
  }

  private async contained(path: string): Promise<string> {
    const real = await realpath(resolve(path)).catch(() => undefined);
    if (real !== undefined) {
      for (const root of this.roots) {
        const realRoot = await realpath(root).catch(() => undefined);
        if (realRoot !== undefined && isInside(realRoot, real)) return real;
      }
    }
    throw refused(path);
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** One message for missing, outside, unreadable and symlinked-out paths alike. */
function refused(path: string): CommsError {
  return new CommsError(
    'E_INPUT_REFUSED',
    `marker does not read ${JSON.stringify(path)}: it reads only files under its input folders, PDF bytes sent as \`content\` (base64), or an http(s) \`url\`. Put the file in an input folder (comms up --inputs DIR), or send it as content or url.`,
  );
}
