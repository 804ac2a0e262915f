import { audioText } from './audio.text.js';

describe('audioText', () => {
  it.each([
    [{ state: 'streaming', codec: 'aac', device: '@DEFAULT_MONITOR@' }, 'streaming (aac, @DEFAULT_MONITOR@)'],
    [
      { state: 'lost', codec: 'pcmu', detail: 'audio device "Stereo Mix" is not there' },
      'lost (pcmu): audio device "Stereo Mix" is not there',
    ],
    [{ state: 'off' }, 'off'],
  ] as const)('%j → %s', (state, text) => {
    expect(audioText(state)).toBe(text);
  });
});
