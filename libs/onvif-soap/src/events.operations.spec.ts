import type { Effect } from './operation.types.js';
import { EVENT_CLIENT_REQUESTS, type SecurityWriter } from './event.client-requests.js';
import type { EventCommand } from './event.commands.js';
import type { SoapExchange } from './soap.endpoint.js';
import { context, endpoint, NOW, token } from './test.fixtures.js';

const t = token();
const security: SecurityWriter = {
  npm: () =>
    `<Security s:mustUnderstand="1" xmlns="${t.wsse}"><UsernameToken><Username>${t.username}</Username>` +
    `<Password Type="${t.digestType}">${t.digest}</Password><Nonce>${t.nonce}</Nonce>` +
    `<Created xmlns="${t.wsu}">${t.created}</Created></UsernameToken></Security>`,
  prefixed: (p) =>
    `<wsse:Security ${p}:mustUnderstand="true" xmlns:wsse="${t.wsse}" xmlns:wsu="${t.wsu}"><wsse:UsernameToken>` +
    `<wsse:Username>${t.username}</wsse:Username><wsse:Password Type="${t.digestType}">${t.digest}</wsse:Password>` +
    `<wsse:Nonce>${t.nonce}</wsse:Nonce><wsu:Created>${t.created}</wsu:Created></wsse:UsernameToken></wsse:Security>`,
};
const TO = 'http://192.168.1.20:8090/onvif/subscription/abc';

function send(xml: string): SoapExchange {
  return endpoint().handle(
    {
      method: 'POST',
      uri: '/onvif/events_service',
      contentType: 'application/soap+xml; charset=utf-8',
      authorization: undefined,
      body: xml,
    },
    context(),
  );
}

function commandOf(e: SoapExchange): EventCommand {
  const effect = e.effect as Extract<Effect, { kind: 'events' }> | undefined;
  if (effect?.kind !== 'events') throw new Error(`no events effect: ${e.status} ${e.body.slice(0, 400)}`);
  return effect.command;
}

const at = (ms: number) => new Date(NOW.getTime() + ms);

/** What each client's request must come to: a command for the service, or a body. */
const EXPECT: Record<string, (e: SoapExchange) => void> = {
  'npm onvif GetServiceCapabilities (events)': (e) =>
    expect(e.body).toMatch(/<tev:Capabilities [^>]*MaxPullPoints="16"/),
  'npm onvif GetEventProperties': (e) => {
    expect(e.body).toContain('<tns1:VideoSource><MotionAlarm wstop:topic="true">');
    expect(e.body).toContain('<tt:SimpleItemDescription Name="IsMotion" Type="xs:boolean"/>');
  },
  'npm onvif CreatePullPointSubscription PT2M': (e) =>
    expect(commandOf(e)).toEqual({
      op: 'createPullPoint',
      filter: { topics: [], contents: [] },
      termination: at(120_000),
    }),
  'npm onvif PullMessages PT1M limit 10, a:To header': (e) =>
    expect(commandOf(e)).toEqual({ op: 'pull', timeoutMs: 60_000, limit: 10 }),
  'npm onvif Renew PT2M': (e) => expect(commandOf(e)).toEqual({ op: 'renew', termination: at(120_000) }),
  'npm onvif Subscribe with a consumer URL': (e) =>
    expect(commandOf(e)).toMatchObject({ op: 'subscribe', consumer: 'http://127.0.0.1:9/onvif-consumer' }),
  'Home Assistant (zeep) GetEventProperties': (e) =>
    expect(e.body).toContain(
      '<wsnt:TopicExpressionDialect>http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet</wsnt:TopicExpressionDialect>',
    ),
  'Home Assistant (zeep) CreatePullPointSubscription PT10M, a topic filter': (e) =>
    expect(commandOf(e)).toEqual({
      op: 'createPullPoint',
      filter: { topics: ['tns1:VideoSource//.|tns1:RuleEngine//.'], contents: [] },
      termination: at(600_000),
    }),
  'Home Assistant (zeep) PullMessages PT1M limit 100': (e) =>
    expect(commandOf(e)).toEqual({ op: 'pull', timeoutMs: 60_000, limit: 100 }),
  'Home Assistant (zeep) SetSynchronizationPoint': (e) => expect(commandOf(e)).toEqual({ op: 'synchronize' }),
  'Home Assistant (zeep) Renew PT10M': (e) =>
    expect(commandOf(e)).toEqual({ op: 'renew', termination: at(600_000) }),
  'Home Assistant (zeep) Subscribe, webhook consumer': (e) =>
    expect(commandOf(e)).toMatchObject({
      op: 'subscribe',
      consumer: 'http://127.0.0.1:9/api/webhook/onvif',
      termination: at(600_000),
    }),
  'ZoneMinder (gSOAP) CreatePullPointSubscription PT20S': (e) =>
    expect(commandOf(e)).toMatchObject({ op: 'createPullPoint', termination: at(20_000) }),
  'ZoneMinder (gSOAP) PullMessages PT10S limit 10': (e) =>
    expect(commandOf(e)).toEqual({ op: 'pull', timeoutMs: 10_000, limit: 10 }),
  'ZoneMinder (gSOAP) Renew PT20S': (e) =>
    expect(commandOf(e)).toEqual({ op: 'renew', termination: at(20_000) }),
  'Milestone-style Subscribe: absolute time, topic and message content filters': (e) =>
    expect(commandOf(e)).toEqual({
      op: 'subscribe',
      consumer: 'http://127.0.0.1:9/milestone/events',
      filter: {
        topics: ['tns1:VideoSource/MotionAlarm'],
        contents: ['boolean(//tt:SimpleItem[@Name="Source" and @Value="desktop"])'],
      },
      termination: new Date('2099-01-01T00:00:00Z'),
    }),
  'ZoneMinder (gSOAP) Unsubscribe': (e) => expect(commandOf(e)).toEqual({ op: 'unsubscribe' }),
  'npm onvif Unsubscribe': (e) => expect(commandOf(e)).toEqual({ op: 'unsubscribe' }),
};

describe('event service requests of real clients', () => {
  test('every request in the table has an expectation', () => {
    expect(EVENT_CLIENT_REQUESTS.map((r) => r.name).sort()).toEqual(Object.keys(EXPECT).sort());
  });
  test.each(EVENT_CLIENT_REQUESTS.map((r) => [r.name, r] as const))('%s', (name, r) => {
    const e = send(r.xml(security, TO));
    expect(e.status).toBe(200);
    expect(e.service).toBe('events');
    EXPECT[name]!(e);
  });
});

describe('event service requests that are refused', () => {
  const create = (inner: string) =>
    `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>${security.npm()}</s:Header><s:Body>` +
    `<CreatePullPointSubscription xmlns="http://www.onvif.org/ver10/events/wsdl" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2">${inner}</CreatePullPointSubscription></s:Body></s:Envelope>`;
  test.each([
    [
      'an unknown topic dialect',
      create(
        '<Filter><wsnt:TopicExpression Dialect="urn:x">tns1:VideoSource</wsnt:TopicExpression></Filter>',
      ),
      'TopicExpressionDialectUnknownFault',
    ],
    [
      'a topic expression that is not one',
      create(
        '<Filter><wsnt:TopicExpression Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">tns1:Video Source//</wsnt:TopicExpression></Filter>',
      ),
      'InvalidTopicExpressionFault',
    ],
    [
      'a content filter that does not parse',
      create(
        '<Filter><wsnt:MessageContent Dialect="http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter">boolean(//tt:SimpleItem[@Name=</wsnt:MessageContent></Filter>',
      ),
      'InvalidMessageContentExpressionFault',
    ],
    [
      'a termination time in the past',
      create('<InitialTerminationTime>2020-01-01T00:00:00Z</InitialTerminationTime>'),
      'UnacceptableInitialTerminationTimeFault',
    ],
    [
      'a termination time that is no time',
      create('<InitialTerminationTime>tomorrow</InitialTerminationTime>'),
      'UnacceptableInitialTerminationTimeFault',
    ],
  ])('%s', (_name, xml, subcode) => {
    const e = send(xml);
    expect(e.status).toBe(400);
    expect(e.body).toContain(`<env:Value>ter:${subcode}</env:Value>`);
    expect(e.effect).toBeUndefined();
  });

  test('a Subscribe whose consumer is not an http(s) URL', () => {
    const e = send(
      `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header>${security.npm()}</s:Header><s:Body>` +
        `<Subscribe xmlns="http://docs.oasis-open.org/wsn/b-2"><ConsumerReference><a:Address>file:///etc/passwd</a:Address></ConsumerReference></Subscribe></s:Body></s:Envelope>`,
    );
    expect(e.status).toBe(400);
    expect(e.body).toContain('is not an http(s) URL');
  });

  test('PullMessages without credentials is refused (READ_MEDIA)', () => {
    const e = send(
      `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><PullMessages xmlns="http://www.onvif.org/ver10/events/wsdl">` +
        `<Timeout>PT5S</Timeout><MessageLimit>1</MessageLimit></PullMessages></s:Body></s:Envelope>`,
    );
    expect(e.status).toBe(401);
    expect(e.body).toContain('ter:NotAuthorized');
  });

  test('GetCapabilities lists the events XAddr and pull-point support (node-onvif, Home Assistant)', () => {
    const e = send(
      `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><GetCapabilities xmlns="http://www.onvif.org/ver10/device/wsdl">` +
        `<Category>All</Category></GetCapabilities></s:Body></s:Envelope>`,
    );
    expect(e.body).toContain(
      '<tt:Events><tt:XAddr>http://192.168.1.20:8090/onvif/events_service</tt:XAddr><tt:WSSubscriptionPolicySupport>false</tt:WSSubscriptionPolicySupport><tt:WSPullPointSupport>true</tt:WSPullPointSupport>',
    );
  });
});
