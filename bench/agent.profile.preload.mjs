// Loaded with `node --import` by bench/agent.profile.bench.ts (NODE_OPTIONS refuses --cpu-prof):
// the first SIGUSR2 starts V8's sampling profiler in the agent, the second (or the process's exit)
// writes PROFILE_DIR/agent-<pid>.cpuprofile. The in-process inspector session answers at once, so
// the profile is written even from an 'exit' handler.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const session = new Session();
session.connect();
let running = false;

function write() {
  if (!running) return;
  running = false;
  session.post('Profiler.stop', (err, r) => {
    if (!err)
      writeFileSync(`${process.env.PROFILE_DIR}/agent-${process.pid}.cpuprofile`, JSON.stringify(r.profile));
  });
}

process.on('SIGUSR2', () => {
  if (running) return write();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: Number(process.env.PROFILE_INTERVAL_US ?? 1000) });
  session.post('Profiler.start');
  running = true;
});
process.on('exit', write);
