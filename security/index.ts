export { hashPassword, verifyPassword, parsePasswordHash, DEFAULT_SCRYPT, type ScryptParams, type ParsedPasswordHash } from './password-hash.ts';
export {
  loadCredentials,
  saveCredentials,
  ensureCredentials,
  addUser,
  validateCredentials,
  randomPassword,
  CredentialsFile,
  CredentialUser,
  ROLES,
  BUILTIN_USERS,
  SECRETS_FILE_NAME,
  type Role,
  type NewUser,
  type EnsuredCredentials,
} from './credentials-file.ts';
export { RolePolicy, ownsClientId, filterCovers, type RolePrincipal } from './role-policy.ts';
export { loadTlsFiles, type TlsMaterial } from './tls.ts';
export { prepareSecurity, CREDENTIALS_FILE_NAME, type SecuritySetup } from './secure-defaults.ts';
