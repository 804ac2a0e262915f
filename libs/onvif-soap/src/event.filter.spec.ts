import { compileContentExpression, compileTopicExpression } from './event.filter.js';
import { applyCameraEvent, applyRegistryEvent, initialEventState, propertyMessages } from './event.state.js';
import { durationMs } from './event.time.js';
import type { EventMessage } from './event.topics.js';

const AT = new Date('2026-03-01T12:00:00.000Z');

describe('topic expressions (Concrete, ConcreteSet, Full subset)', () => {
  test.each([
    ['tns1:VideoSource/MotionAlarm', 'VideoSource/MotionAlarm', true],
    ['tns1:VideoSource/MotionAlarm', 'VideoSource/SignalLoss', false],
    ['tns1:VideoSource//.', 'VideoSource/GlobalSceneChange/ImagingService', true],
    ['tns1:VideoSource//.', 'RuleEngine/CellMotionDetector/Motion', false],
    ['tns1:VideoSource/MotionAlarm|tns1:RuleEngine//.', 'RuleEngine/CellMotionDetector/Motion', true],
    ['tns1:RuleEngine//Motion', 'RuleEngine/CellMotionDetector/Motion', true],
    ['tns1:VideoSource/*', 'VideoSource/SignalLoss', true],
    ['tns1:VideoSource/*', 'VideoSource/GlobalSceneChange/ImagingService', false],
    ['ns0:VideoSource/MotionAlarm', 'VideoSource/MotionAlarm', true],
  ])('%s on %s → %s', (expr, topic, want) => {
    expect(compileTopicExpression(expr).test(topic)).toBe(want);
  });
  test.each(['', 'tns1:Video Source', 'a//', '//a', 'a|', 'tns1:Video(Source)'])(
    '"%s" is refused',
    (expr) => {
      expect(() => compileTopicExpression(expr)).toThrow(/invalid topic expression/);
    },
  );
});

const motion: EventMessage = {
  topic: 'VideoSource/MotionAlarm',
  utc: AT,
  operation: 'Changed',
  source: [{ name: 'Source', value: 'desktop' }],
  data: [{ name: 'State', value: 'true' }],
};

describe('ItemFilter message content expressions', () => {
  test.each([
    ['boolean(//tt:SimpleItem[@Name="Source" and @Value="desktop"])', true],
    ['boolean(//tt:SimpleItem[@Name="Source" and @Value="other"])', false],
    ["boolean(//tt:SimpleItem[@Name='State' and @Value='true'])", true],
    ['not(boolean(//tt:SimpleItem[@Name="State" and @Value="true"]))', false],
    ['boolean(//tt:SimpleItem[@Name="X"]) or boolean(//tt:SimpleItem[@Value="true"])', true],
    ['boolean(//tt:ElementItem[@Name="Layout"])', false],
  ])('%s → %s', (expr, want) => {
    expect(compileContentExpression(expr)(motion)).toBe(want);
  });
  test.each(['boolean(', '//tt:SimpleItem', 'boolean(//tt:Other)', 'boolean(//tt:SimpleItem[@Kind="x"])'])(
    '"%s" is refused',
    (expr) => expect(() => compileContentExpression(expr)).toThrow(/invalid message content expression/),
  );
});

describe('xs:duration', () => {
  test.each([
    ['PT1M', 60_000],
    ['PT10S', 10_000],
    ['PT0.5S', 500],
    ['P1DT1H', 90_000_000],
    ['PT', undefined],
    ['P', undefined],
    ['10', undefined],
  ])('%s → %s', (text, ms) => expect(durationMs(text)).toBe(ms));
});

describe('camera properties from the agent and the registry', () => {
  const changed = (t: { messages: EventMessage[] }) =>
    t.messages.map((m) => `${m.topic}=${m.data[0]?.value}/${m.operation}`);
  test('desktop activity drives both motion topics, once per transition', () => {
    const on = applyCameraEvent(initialEventState(true), {
      type: 'desktop.activity',
      active: true,
      at: AT.toISOString(),
    });
    expect(changed(on)).toEqual([
      'VideoSource/MotionAlarm=true/Changed',
      'RuleEngine/CellMotionDetector/Motion=true/Changed',
    ]);
    const again = applyCameraEvent(on.state, {
      type: 'desktop.activity',
      active: true,
      at: AT.toISOString(),
    });
    expect(again.messages).toEqual([]);
  });
  test('a locked session is a global scene change; capture lost and offline are signal loss', () => {
    const locked = applyCameraEvent(initialEventState(true), {
      type: 'session.locked',
      at: AT.toISOString(),
    });
    expect(changed(locked)).toEqual(['VideoSource/GlobalSceneChange/ImagingService=true/Changed']);
    const lost = applyCameraEvent(locked.state, { type: 'capture.stopped', at: AT.toISOString() });
    expect(changed(lost)).toEqual(['VideoSource/SignalLoss=true/Changed']);
    const offline = applyRegistryEvent(lost.state, { type: 'camera.offline', id: 'x' }, AT);
    expect(offline.messages).toEqual([]); // already lost
    const back = applyCameraEvent(offline.state, { type: 'capture.started', at: AT.toISOString() });
    expect(changed(back)).toEqual(['VideoSource/SignalLoss=false/Changed']);
  });
  test('going offline ends motion: the agent cannot say so any more', () => {
    const on = applyCameraEvent(initialEventState(true), {
      type: 'desktop.activity',
      active: true,
      at: AT.toISOString(),
    });
    const off = applyRegistryEvent(on.state, { type: 'camera.offline', id: 'x' }, AT);
    expect(changed(off)).toEqual([
      'VideoSource/MotionAlarm=false/Changed',
      'RuleEngine/CellMotionDetector/Motion=false/Changed',
      'VideoSource/SignalLoss=true/Changed',
    ]);
  });
  test('every property as it stands is Initialized', () => {
    expect(
      propertyMessages(initialEventState(false), AT).map(
        (m) => `${m.topic}=${m.data[0]?.value}/${m.operation}`,
      ),
    ).toEqual([
      'VideoSource/MotionAlarm=false/Initialized',
      'RuleEngine/CellMotionDetector/Motion=false/Initialized',
      'VideoSource/GlobalSceneChange/ImagingService=false/Initialized',
      'VideoSource/SignalLoss=true/Initialized',
    ]);
  });
});
