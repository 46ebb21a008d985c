import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../logging/index.ts';
import { loadCredentials } from './credentials-file.ts';
import type { RolePolicy } from './role-policy.ts';

/**
 * Reload the broker's RolePolicy when credentials.json changes (`comms user ...` in another shell),
 * so adding a user or changing a password needs no restart. The folder is watched, not the file:
 * writeJsonAtomic replaces the file by rename, which a watch on the old file would not see.
 * A file that fails to load is logged and the previous users stay in force.
 */
export function watchCredentials(path: string, policy: RolePolicy, log: Logger): { close(): void } {
  const name = basename(path);
  let reloading = Promise.resolve();
  const reload = () => {
    reloading = reloading.then(async () => {
      try {
        const credentials = await loadCredentials(path);
        policy.replaceCredentials(credentials);
        log.info({ file: path, users: credentials.users.length }, 'credentials reloaded');
      } catch (err) {
        log.warn({ err, file: path }, 'credentials file changed but could not be loaded; keeping the previous users');
      }
    });
  };
  const watcher: FSWatcher = watch(dirname(path), (_event, file) => {
    if (file === name) reload();
  });
  watcher.on('error', (err) => log.warn({ err, file: path }, 'cannot watch the credentials file; restart comms up after changing users'));
  return { close: () => watcher.close() };
}
