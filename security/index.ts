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
  USER_ROLES,
} from './credentials-file.ts';
export { RolePolicy, type RolePrincipal } from './role-policy.ts';
export { loadTlsFiles, type TlsMaterial } from './tls.ts';
export { prepareSecurity, type SecuritySetup } from './secure-defaults.ts';
export { writeMosquittoConfig, DEFAULT_MAX_QUEUED_MESSAGES, type MosquittoConfig, type MosquittoConfigOptions } from './mosquitto-config.ts';
export { aclRules, mosquittoAcl, type AclRules } from './mosquitto-acl.ts';
export { mosquittoPasswordLine } from './mosquitto-password.ts';
export { listUsers, putUser, changePassword, removeUser, userPassword, type UserSummary, type UserChange } from './user-admin.ts';
export { watchCredentials } from './credentials-watch.ts';
