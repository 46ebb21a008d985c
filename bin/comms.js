#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `comms` works from a checkout without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
