import { Tokens } from './profiles.js';
import { esc } from './xml.js';

/**
 * The topics a desk-onvif camera raises, chosen from the ONVIF topic set (ONVIF Core 9.1, the
 * `tns1:` namespace http://www.onvif.org/ver10/topics). All are properties (states): a new
 * subscriber gets each one as `Initialized`, then `Changed` on every transition.
 *
 * | topic | data | driven by |
 * |---|---|---|
 * | VideoSource/MotionAlarm | State | desktop activity (the agent's detector) |
 * | RuleEngine/CellMotionDetector/Motion | IsMotion | the same detector, for clients that read the analytics topic |
 * | VideoSource/GlobalSceneChange/ImagingService | State | the user's session locked (the scene is no longer the desktop) |
 * | VideoSource/SignalLoss | State | capture lost (ffmpeg not streaming) or the camera offline |
 */
export type TopicName =
  | 'VideoSource/MotionAlarm'
  | 'RuleEngine/CellMotionDetector/Motion'
  | 'VideoSource/GlobalSceneChange/ImagingService'
  | 'VideoSource/SignalLoss';

export interface SimpleItem {
  name: string;
  value: string;
}

interface ItemDescription {
  name: string;
  type: string;
}

export interface TopicDescription {
  name: TopicName;
  source: ItemDescription[];
  data: ItemDescription;
  /** The source items' values: the camera's one video source and its configurations. */
  sourceValues: SimpleItem[];
}

const VIDEO_SOURCE: Pick<TopicDescription, 'source' | 'sourceValues'> = {
  source: [{ name: 'Source', type: 'tt:ReferenceToken' }],
  sourceValues: [{ name: 'Source', value: Tokens.videoSource }],
};

/** The cell motion detector is not configurable: fixed tokens name it (ONVIF Analytics 5.2.3.1). */
export const MOTION_RULE = { analytics: 'desktop-analytics', rule: 'DesktopActivity' } as const;

export const TOPICS: readonly TopicDescription[] = [
  { name: 'VideoSource/MotionAlarm', ...VIDEO_SOURCE, data: { name: 'State', type: 'xs:boolean' } },
  {
    name: 'RuleEngine/CellMotionDetector/Motion',
    source: [
      { name: 'VideoSourceConfigurationToken', type: 'tt:ReferenceToken' },
      { name: 'VideoAnalyticsConfigurationToken', type: 'tt:ReferenceToken' },
      { name: 'Rule', type: 'xs:string' },
    ],
    sourceValues: [
      { name: 'VideoSourceConfigurationToken', value: Tokens.videoSourceConfig },
      { name: 'VideoAnalyticsConfigurationToken', value: MOTION_RULE.analytics },
      { name: 'Rule', value: MOTION_RULE.rule },
    ],
    data: { name: 'IsMotion', type: 'xs:boolean' },
  },
  {
    name: 'VideoSource/GlobalSceneChange/ImagingService',
    ...VIDEO_SOURCE,
    data: { name: 'State', type: 'xs:boolean' },
  },
  { name: 'VideoSource/SignalLoss', ...VIDEO_SOURCE, data: { name: 'State', type: 'xs:boolean' } },
];

export function topicOf(name: TopicName): TopicDescription {
  const t = TOPICS.find((x) => x.name === name);
  if (!t) throw new Error(`unknown topic ${name}`);
  return t;
}

/** WS-Topics: the ONVIF topic set as a tree (wstop:TopicSet), each leaf with its message description. */
export function topicSetXml(): string {
  interface TreeNode {
    children: Map<string, TreeNode>;
    topic?: TopicDescription;
  }
  const root: TreeNode = { children: new Map() };
  for (const t of TOPICS) {
    let at = root;
    for (const part of t.name.split('/')) {
      let next = at.children.get(part);
      if (!next) at.children.set(part, (next = { children: new Map() }));
      at = next;
    }
    at.topic = t;
  }
  const items = (list: ItemDescription[]) =>
    list.map((i) => `<tt:SimpleItemDescription Name="${i.name}" Type="${i.type}"/>`).join('');
  const write = (name: string, node: TreeNode, top: boolean): string => {
    const tag = top ? `tns1:${name}` : name;
    const leaf = node.topic
      ? `<tt:MessageDescription IsProperty="true"><tt:Source>${items(node.topic.source)}</tt:Source>` +
        `<tt:Data>${items([node.topic.data])}</tt:Data></tt:MessageDescription>`
      : '';
    const inner = [...node.children].map(([n, c]) => write(n, c, false)).join('');
    // Below the root, topic elements are in no namespace (ONVIF Core 9.5.1, as in topicns.xml).
    const open = node.topic ? `<${tag} wstop:topic="true">` : `<${tag}>`;
    return `${open}${leaf}${inner}</${tag}>`;
  };
  return `<wstop:TopicSet>${[...root.children].map(([n, c]) => write(n, c, true)).join('')}</wstop:TopicSet>`;
}

export type PropertyOperation = 'Initialized' | 'Changed' | 'Deleted';

/** One notification: a topic, when, what kind of property change, its source and data items. */
export interface EventMessage {
  topic: TopicName;
  utc: Date;
  operation: PropertyOperation;
  source: SimpleItem[];
  data: SimpleItem[];
}

export const TOPIC_DIALECT = {
  concreteSet: 'http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet',
  concrete: 'http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete',
  simple: 'http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple',
  full: 'http://docs.oasis-open.org/wsn/t-1/TopicExpression/Full',
} as const;
export const CONTENT_DIALECT = 'http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter';

/** wsnt:NotificationMessage (WS-BaseNotification 1.3 §3.2) carrying a tt:Message. */
export function notificationMessageXml(m: EventMessage, subscriptionAddress?: string): string {
  const items = (list: SimpleItem[]) =>
    list.map((i) => `<tt:SimpleItem Name="${esc(i.name)}" Value="${esc(i.value)}"/>`).join('');
  const ref = subscriptionAddress
    ? `<wsnt:SubscriptionReference><wsa:Address>${esc(subscriptionAddress)}</wsa:Address></wsnt:SubscriptionReference>`
    : '';
  return (
    `<wsnt:NotificationMessage>${ref}<wsnt:Topic Dialect="${TOPIC_DIALECT.concrete}">tns1:${m.topic}</wsnt:Topic>` +
    `<wsnt:Message><tt:Message UtcTime="${m.utc.toISOString()}" PropertyOperation="${m.operation}">` +
    `<tt:Source>${items(m.source)}</tt:Source><tt:Data>${items(m.data)}</tt:Data></tt:Message></wsnt:Message>` +
    `</wsnt:NotificationMessage>`
  );
}
