import { AgentMetrics, EVENT_LOOP_MONITORING_MS } from './agent.metrics.js';

describe('AgentMetrics', () => {
  it('counts restarts by reason, a new capture source apart from new encoder settings', async () => {
    const m = new AgentMetrics();
    m.restart('source');
    m.restart('source');
    m.restart('settings');
    const text = await m.registry.metrics();
    const count = (reason: string) =>
      new RegExp(`desk_agent_ffmpeg_restarts_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1];
    expect(['exit', 'stall', 'spawn-error', 'settings', 'source', 'assignment', 'audio'].map(count)).toEqual([
      '0',
      '0',
      '0',
      '1',
      '2',
      '0',
      '0',
    ]);
  });

  it('measures the event loop delay with a timer every 100 ms, not every 10 ms', async () => {
    const m = new AgentMetrics();
    // Block the loop for 300 ms between two of the histogram's timer runs: it sees the delay.
    await new Promise((r) => setTimeout(r, 250));
    const until = Date.now() + 300;
    while (Date.now() < until);
    await new Promise((r) => setTimeout(r, 250));
    const text = await m.registry.metrics();
    const gauge = (name: string) =>
      Number(new RegExp(`^desk_agent_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1]);
    expect(gauge('max')).toBeGreaterThanOrEqual(0.3);
    // The shortest interval between two runs of the timer is its period: 100 ms (never less).
    expect(gauge('min')).toBeGreaterThanOrEqual(EVENT_LOOP_MONITORING_MS / 1000 - 0.005);
  });
});
