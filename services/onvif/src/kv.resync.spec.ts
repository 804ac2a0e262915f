import type { KvWatchEntry } from '@nats-io/kv';
import { KvResync } from './kv.resync.js';

const entry = (key: string, delta: number, isUpdate = false) => ({ key, delta, isUpdate }) as KvWatchEntry;

describe('KvResync', () => {
  const known = () => ['a', 'b', 'c'];

  test.each([
    ['a replay that mentions a and c drops b', [entry('a', 1), entry('c', 0)], ['b']],
    [
      'an empty replay (the first entry is an update) drops all but the updated key',
      [entry('a', 0, true)],
      ['b', 'c'],
    ],
    ['a replay of everything drops nothing', [entry('a', 2), entry('b', 1), entry('c', 0)], []],
  ])('%s', (_name, entries, dropped) => {
    const sut = new KvResync();
    sut.start();
    const out = entries.flatMap((e) => sut.note(e, known));
    expect(out).toEqual(dropped);
  });

  test('without a restart nothing is ever dropped', () => {
    const sut = new KvResync();
    expect(sut.note(entry('a', 0), known)).toEqual([]);
  });
});
