export { hashPassword, verifyPassword, parsePasswordHash, type ScryptParams, type ParsedPasswordHash } from './password-hash.ts';
export {
  loadCredentials,
  saveCredentials,
  ensureCredentials,
  addUser,
  CredentialsFile,
  CredentialUser,
  type Role,
  type NewUser,
  type EnsuredCredentials,
} from './credentials-file.ts';
export { RolePolicy, type RolePrincipal } from './role-policy.ts';
export { loadTlsFiles, type TlsMaterial } from './tls.ts';
export { prepareSecurity, type SecuritySetup } from './secure-defaults.ts';
