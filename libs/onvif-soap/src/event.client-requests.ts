/**
 * Event service requests as real clients write them (prefixes, default namespaces, WS-Addressing
 * headers, how they write times and filters). The unit spec runs them through the endpoint; the
 * onvif service's medium test sends the same table to a real camera, so that every response is
 * validated against the schemas. A request is a function of the client's WS-Security header and
 * of the subscription address it talks to.
 */
export interface SecurityWriter {
  /** npm `onvif`: Security in a default namespace with s:mustUnderstand. */
  npm(): string;
  /** zeep, gSOAP and most others: wsse/wsu prefixes, mustUnderstand on the envelope's prefix. */
  prefixed(envelopePrefix: string): string;
}

export interface EventClientRequest {
  name: string;
  /** `events`: sent to the events XAddr. `subscription`: to the subscription's address. */
  target: 'events' | 'subscription';
  xml(sec: SecurityWriter, to: string): string;
}

const S12 = 'http://www.w3.org/2003/05/soap-envelope';
const TEV = 'http://www.onvif.org/ver10/events/wsdl';
const WSNT = 'http://docs.oasis-open.org/wsn/b-2';
const WSA = 'http://www.w3.org/2005/08/addressing';

const npm = (sec: SecurityWriter, headerExtra: string, body: string) =>
  `<s:Envelope xmlns:s="${S12}" xmlns:a="${WSA}"><s:Header>${sec.npm()}${headerExtra}</s:Header>` +
  `<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">${body}</s:Body></s:Envelope>`;

/** zeep (Home Assistant's onvif-zeep-async) with its WS-Addressing plugin. */
const zeep = (sec: SecurityWriter, action: string, to: string, body: string) =>
  `<?xml version='1.0' encoding='utf-8'?>\n<soap-env:Envelope xmlns:soap-env="${S12}"><soap-env:Header>` +
  `<wsa:Action xmlns:wsa="${WSA}">${action}</wsa:Action>` +
  `<wsa:MessageID xmlns:wsa="${WSA}">urn:uuid:8b2f0d4e-6f61-4c0a-9d1e-3f2b7c9a1e55</wsa:MessageID>` +
  `<wsa:To xmlns:wsa="${WSA}">${to}</wsa:To>${sec.prefixed('soap-env')}</soap-env:Header>` +
  `<soap-env:Body>${body}</soap-env:Body></soap-env:Envelope>`;

/** gSOAP (ZoneMinder): SOAP-ENV, wsa5 headers with mustUnderstand, tev and wsnt prefixes. */
const gsoap = (sec: SecurityWriter, action: string, to: string, body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="${S12}" xmlns:SOAP-ENC="http://www.w3.org/2003/05/soap-encoding" ` +
  `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:wsa5="${WSA}" xmlns:tt="http://www.onvif.org/ver10/schema" ` +
  `xmlns:wsnt="${WSNT}" xmlns:tev="${TEV}"><SOAP-ENV:Header>` +
  `<wsa5:MessageID>urn:uuid:2c1b7a3e-0f6d-4e59-8a27-51c0e8d9b4f2</wsa5:MessageID>` +
  `<wsa5:To SOAP-ENV:mustUnderstand="true">${to}</wsa5:To>` +
  `<wsa5:Action SOAP-ENV:mustUnderstand="true">${action}</wsa5:Action>${sec.prefixed('SOAP-ENV')}` +
  `</SOAP-ENV:Header><SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;

const ACTION = {
  create: `${TEV}/EventPortType/CreatePullPointSubscriptionRequest`,
  pull: `${TEV}/PullPointSubscription/PullMessagesRequest`,
  sync: `${TEV}/PullPointSubscription/SetSynchronizationPointRequest`,
  props: `${TEV}/EventPortType/GetEventPropertiesRequest`,
  renew: 'http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/RenewRequest',
  unsubscribe: 'http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/UnsubscribeRequest',
  subscribe: 'http://docs.oasis-open.org/wsn/bw-2/NotificationProducer/SubscribeRequest',
};

export const EVENT_CLIENT_REQUESTS: EventClientRequest[] = [
  {
    name: 'npm onvif GetServiceCapabilities (events)',
    target: 'events',
    xml: (sec) => npm(sec, '', `<GetServiceCapabilities xmlns="${TEV}"/>`),
  },
  {
    name: 'npm onvif GetEventProperties',
    target: 'events',
    xml: (sec) => npm(sec, '', `<GetEventProperties xmlns="${TEV}"/>`),
  },
  {
    name: 'npm onvif CreatePullPointSubscription PT2M',
    target: 'events',
    xml: (sec) =>
      npm(
        sec,
        '',
        `<CreatePullPointSubscription xmlns="${TEV}"><InitialTerminationTime>PT2M</InitialTerminationTime></CreatePullPointSubscription>`,
      ),
  },
  {
    name: 'npm onvif PullMessages PT1M limit 10, a:To header',
    target: 'subscription',
    xml: (sec, to) =>
      npm(
        sec,
        `<a:To>${to}</a:To>`,
        `<PullMessages xmlns="${TEV}"><Timeout>PT1M</Timeout><MessageLimit>10</MessageLimit></PullMessages>`,
      ),
  },
  {
    name: 'npm onvif Renew PT2M',
    target: 'subscription',
    xml: (sec, to) =>
      npm(
        sec,
        `<a:To>${to}</a:To>`,
        `<Renew xmlns="${WSNT}"><TerminationTime>PT2M</TerminationTime></Renew>`,
      ),
  },
  {
    name: 'npm onvif Subscribe with a consumer URL',
    target: 'events',
    xml: (sec) =>
      npm(
        sec,
        `<a:ReplyTo><a:Address>http://127.0.0.1:9/onvif-consumer</a:Address></a:ReplyTo>`,
        `<Subscribe xmlns="${WSNT}"><ConsumerReference><a:Address>http://127.0.0.1:9/onvif-consumer</a:Address></ConsumerReference>` +
          `<InitialTerminationTime>PT2M</InitialTerminationTime></Subscribe>`,
      ),
  },
  {
    name: 'Home Assistant (zeep) GetEventProperties',
    target: 'events',
    xml: (sec, to) => zeep(sec, ACTION.props, to, `<ns0:GetEventProperties xmlns:ns0="${TEV}"/>`),
  },
  {
    name: 'Home Assistant (zeep) CreatePullPointSubscription PT10M, a topic filter',
    target: 'events',
    xml: (sec, to) =>
      zeep(
        sec,
        ACTION.create,
        to,
        `<ns0:CreatePullPointSubscription xmlns:ns0="${TEV}"><ns0:Filter>` +
          `<ns1:TopicExpression xmlns:ns1="${WSNT}" Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">tns1:VideoSource//.|tns1:RuleEngine//.</ns1:TopicExpression>` +
          `</ns0:Filter><ns0:InitialTerminationTime>PT10M</ns0:InitialTerminationTime></ns0:CreatePullPointSubscription>`,
      ),
  },
  {
    name: 'Home Assistant (zeep) PullMessages PT1M limit 100',
    target: 'subscription',
    xml: (sec, to) =>
      zeep(
        sec,
        ACTION.pull,
        to,
        `<ns0:PullMessages xmlns:ns0="${TEV}"><ns0:Timeout>PT1M</ns0:Timeout><ns0:MessageLimit>100</ns0:MessageLimit></ns0:PullMessages>`,
      ),
  },
  {
    name: 'Home Assistant (zeep) SetSynchronizationPoint',
    target: 'subscription',
    xml: (sec, to) => zeep(sec, ACTION.sync, to, `<ns0:SetSynchronizationPoint xmlns:ns0="${TEV}"/>`),
  },
  {
    name: 'Home Assistant (zeep) Renew PT10M',
    target: 'subscription',
    xml: (sec, to) =>
      zeep(
        sec,
        ACTION.renew,
        to,
        `<ns0:Renew xmlns:ns0="${WSNT}"><ns0:TerminationTime>PT10M</ns0:TerminationTime></ns0:Renew>`,
      ),
  },
  {
    name: 'Home Assistant (zeep) Subscribe, webhook consumer',
    target: 'events',
    xml: (sec, to) =>
      zeep(
        sec,
        ACTION.subscribe,
        to,
        `<ns0:Subscribe xmlns:ns0="${WSNT}"><ns0:ConsumerReference><ns1:Address xmlns:ns1="${WSA}">http://127.0.0.1:9/api/webhook/onvif</ns1:Address>` +
          `</ns0:ConsumerReference><ns0:InitialTerminationTime>PT10M</ns0:InitialTerminationTime></ns0:Subscribe>`,
      ),
  },
  {
    name: 'ZoneMinder (gSOAP) CreatePullPointSubscription PT20S',
    target: 'events',
    xml: (sec, to) =>
      gsoap(
        sec,
        ACTION.create,
        to,
        `<tev:CreatePullPointSubscription><tev:InitialTerminationTime>PT20S</tev:InitialTerminationTime></tev:CreatePullPointSubscription>`,
      ),
  },
  {
    name: 'ZoneMinder (gSOAP) PullMessages PT10S limit 10',
    target: 'subscription',
    xml: (sec, to) =>
      gsoap(
        sec,
        ACTION.pull,
        to,
        `<tev:PullMessages><tev:Timeout>PT10S</tev:Timeout><tev:MessageLimit>10</tev:MessageLimit></tev:PullMessages>`,
      ),
  },
  {
    name: 'ZoneMinder (gSOAP) Renew PT20S',
    target: 'subscription',
    xml: (sec, to) =>
      gsoap(
        sec,
        ACTION.renew,
        to,
        `<wsnt:Renew><wsnt:TerminationTime>PT20S</wsnt:TerminationTime></wsnt:Renew>`,
      ),
  },
  {
    name: 'Milestone-style Subscribe: absolute time, topic and message content filters',
    target: 'events',
    xml: (sec, to) =>
      gsoap(
        sec,
        ACTION.subscribe,
        to,
        `<wsnt:Subscribe><wsnt:ConsumerReference><wsa5:Address>http://127.0.0.1:9/milestone/events</wsa5:Address></wsnt:ConsumerReference>` +
          `<wsnt:Filter><wsnt:TopicExpression Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">tns1:VideoSource/MotionAlarm</wsnt:TopicExpression>` +
          `<wsnt:MessageContent Dialect="http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter">boolean(//tt:SimpleItem[@Name="Source" and @Value="desktop"])</wsnt:MessageContent>` +
          `</wsnt:Filter><wsnt:InitialTerminationTime>2099-01-01T00:00:00Z</wsnt:InitialTerminationTime></wsnt:Subscribe>`,
      ),
  },
  {
    name: 'ZoneMinder (gSOAP) Unsubscribe',
    target: 'subscription',
    xml: (sec, to) => gsoap(sec, ACTION.unsubscribe, to, `<wsnt:Unsubscribe/>`),
  },
  {
    name: 'npm onvif Unsubscribe',
    target: 'subscription',
    xml: (sec, to) => npm(sec, `<a:To>${to}</a:To>`, `<Unsubscribe xmlns="${WSNT}"/>`),
  },
];
