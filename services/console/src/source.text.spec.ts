import { sourceText } from './source.text.js';

describe('sourceText', () => {
  it.each([
    [undefined, "the agent's configured source"],
    [{ kind: 'desktop' }, 'the whole desktop'],
    [{ kind: 'monitor', index: 2 }, 'monitor 2'],
    [{ kind: 'region', x: 320, y: 0, width: 320, height: 360 }, 'the region 320x360 at 320,0'],
    [{ kind: 'window', title: 'Notepad' }, 'the window "Notepad"'],
  ] as const)('%j', (source, text) => {
    expect(sourceText(source)).toBe(text);
  });
});
