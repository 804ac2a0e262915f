// Lets `node --import ./bench/register-ts.js bench/<name>.bench.ts` run TypeScript benchmarks:
// registers ts-loader.js (swc, the compiler the tests use) as a module hook.
import { register } from 'node:module';

register('./ts-loader.js', import.meta.url);
