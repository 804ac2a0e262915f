import { AgentMetrics } from './agent.metrics.js';

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
});
