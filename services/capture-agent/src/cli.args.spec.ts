import { parseCliArgs } from './cli.args.js';

describe('parseCliArgs', () => {
  it('reads the command, valued flags both ways and switches', () => {
    expect(parseCliArgs(['run', '--fps', '25', '--source=window:A b', '--json'], new Set(['json']))).toEqual({
      command: 'run',
      flags: { fps: '25', source: 'window:A b' },
      switches: new Set(['json']),
      problems: [],
    });
  });

  it('names what it cannot read', () => {
    expect(parseCliArgs(['status', 'extra', '--fps', '--json=1'], new Set(['json'])).problems).toEqual([
      'unexpected argument "extra"',
      '--fps needs a value',
      '--json takes no value',
    ]);
  });
});

describe('parseCliArgs without a command', () => {
  it('`--help` alone is a switch, not a command', () => {
    expect(parseCliArgs(['--help'], new Set(['help']))).toEqual({
      command: undefined,
      flags: {},
      switches: new Set(['help']),
      problems: [],
    });
    expect(parseCliArgs(['--config', 'a.json', '--help'], new Set(['help'])).flags).toEqual({
      config: 'a.json',
    });
  });
});
