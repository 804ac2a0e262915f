import { pictureFilters } from './picture.filters.js';

describe('pictureFilters', () => {
  const neutral = { brightness: 50, contrast: 50, saturation: 50, sharpness: 50 };

  it('is empty when nothing is asked for or every value is neutral', () => {
    expect(pictureFilters(undefined)).toBe('');
    expect(pictureFilters(neutral)).toBe('');
  });

  it('maps brightness, contrast and saturation onto eq, from their ends to eq ranges', () => {
    expect(pictureFilters({ ...neutral, brightness: 100 })).toBe('eq=brightness=0.5');
    expect(pictureFilters({ ...neutral, brightness: 0, contrast: 100, saturation: 0 })).toBe(
      'eq=brightness=-0.5:contrast=2:saturation=0',
    );
    expect(pictureFilters({ ...neutral, contrast: 12.5 })).toBe('eq=contrast=0.25');
  });

  it('sharpens above 50 and blurs below with unsharp', () => {
    expect(pictureFilters({ ...neutral, sharpness: 100 })).toBe('unsharp=5:5:1.5');
    expect(pictureFilters({ ...neutral, sharpness: 0 })).toBe('unsharp=5:5:-1.5');
    expect(pictureFilters({ ...neutral, brightness: 60, sharpness: 75 })).toBe(
      'eq=brightness=0.1,unsharp=5:5:0.75',
    );
  });
});
