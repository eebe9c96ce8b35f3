#!/usr/bin/env node
// Development entry point (`npx minik` in a checkout): runs the TypeScript
// sources through tsx. The single executable (`dist/minik`) is built from the
// same cli/main.ts.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
