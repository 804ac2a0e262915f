// Loaded with `node --import` by bench/soap.profile.bench.ts (NODE_OPTIONS refuses --cpu-prof):
// profiles the whole process and writes PROFILE_DIR/onvif-<pid>.cpuprofile and its memory
// figures (onvif-<pid>.memory.json) on SIGUSR2. The in-process inspector session answers at once.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { getHeapSpaceStatistics } from 'node:v8';

const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 200 });
session.post('Profiler.start');
process.on('SIGUSR2', () => {
  const at = `${process.env.PROFILE_DIR}/onvif-${process.pid}`;
  const memory = { ...process.memoryUsage(), spaces: getHeapSpaceStatistics() };
  writeFileSync(`${at}.memory.json`, JSON.stringify(memory, null, 1));
  session.post('Profiler.stop', (err, r) => {
    if (!err) writeFileSync(`${at}.cpuprofile`, JSON.stringify(r.profile));
  });
});
