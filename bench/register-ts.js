// Lets `node --import ./bench/register-ts.js x.ts` run the benchmarks' TypeScript (and the
// TypeScript sources of workspace packages such as @desk-onvif/test-support) with @swc/core,
// the same compiler the tests use. Only for bench scripts: services run their built dist/.
import { register } from 'node:module';

register('./ts-hooks.js', import.meta.url);
