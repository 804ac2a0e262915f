import { CONTENT_DIALECT, TOPIC_DIALECT, type EventMessage, type SimpleItem } from './event.topics.js';
import { Faults } from './soap.fault.js';
import { attr, type XmlNode } from './xml.js';

/**
 * The Filter of CreatePullPointSubscription and Subscribe (ONVIF Core 9.6): topic expressions in the
 * Concrete(Set), Simple or Full dialects (`tns1:VideoSource/MotionAlarm|tns1:RuleEngine//.`, `*`
 * and `//`), and ONVIF's ItemFilter message content expressions
 * (`boolean(//tt:SimpleItem[@Name="State" and @Value="true"])` with and/or/not). Compiled once to
 * a predicate; bad input is a fault named after the WS-BaseNotification fault.
 */
export interface EventFilter {
  /** Source text, kept so that a subscription can be written down and compiled again. */
  topics: string[];
  contents: string[];
}

export type MessagePredicate = (m: EventMessage) => boolean;

export const NO_FILTER: EventFilter = { topics: [], contents: [] };

/** Reads a wsnt:FilterType element (or undefined: everything). */
export function readFilter(filter: XmlNode | undefined): EventFilter {
  const out: EventFilter = { topics: [], contents: [] };
  if (!filter) return out;
  for (const c of filter.children) {
    const dialect = attr(c, 'Dialect') ?? '';
    if (c.local === 'TopicExpression') {
      if (!(Object.values(TOPIC_DIALECT) as string[]).includes(dialect))
        throw Faults.invalidArgVal(
          'TopicExpressionDialectUnknownFault',
          `topic expression dialect "${dialect.slice(0, 100)}" is not supported`,
        );
      out.topics.push(c.text);
    } else if (c.local === 'MessageContent') {
      if (dialect !== CONTENT_DIALECT)
        throw Faults.invalidArgVal(
          'InvalidMessageContentExpressionFault',
          `message content dialect "${dialect.slice(0, 100)}" is not supported: use ${CONTENT_DIALECT}`,
        );
      out.contents.push(c.text);
    }
  }
  compileFilter(out); // every expression is checked now, when the client can be told
  return out;
}

/** A predicate over messages: every topic expression and every content expression must match. */
export function compileFilter(filter: EventFilter): MessagePredicate {
  const topics = filter.topics.map(compileTopicExpression);
  const contents = filter.contents.map(compileContentExpression);
  return (m) => topics.every((t) => t.test(m.topic)) && contents.every((c) => c(m));
}

const SEGMENT = /^(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*|\*)$/;

/** A topic expression → a regular expression over topic names such as `VideoSource/MotionAlarm`. */
export function compileTopicExpression(text: string): RegExp {
  const alternatives = text
    .trim()
    .split('|')
    .map((a) => a.trim());
  const parts = alternatives.map((alt) => {
    if (alt === '' || alt.length > 512) throw invalidTopic(text);
    let rest = alt;
    let subtree = false;
    if (rest.endsWith('//.')) {
      subtree = true;
      rest = rest.slice(0, -3);
    }
    // `a//b`: b anywhere below a. Split keeps the empty piece that marks it.
    const pieces = rest.split('/');
    let re = '';
    let descendant = false;
    pieces.forEach((p, i) => {
      if (p === '') {
        if (i === 0 || descendant) throw invalidTopic(text);
        descendant = true;
        return;
      }
      const m = SEGMENT.exec(p);
      if (!m) throw invalidTopic(text);
      const name = m[1] === '*' ? '[^/]+' : escapeRe(m[1]!);
      re += i === 0 ? name : descendant ? `/(?:[^/]+/)*${name}` : `/${name}`;
      descendant = false;
    });
    if (descendant) throw invalidTopic(text);
    return subtree ? `${re}(?:/.*)?` : re;
  });
  return new RegExp(`^(?:${parts.join('|')})$`);
}

function invalidTopic(text: string) {
  return Faults.invalidArgVal(
    'InvalidTopicExpressionFault',
    `invalid topic expression "${text.slice(0, 200)}"`,
  );
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

type Token = { kind: 'str' | 'name' | 'sym'; value: string };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error('unterminated string');
      out.push({ kind: 'str', value: text.slice(i + 1, end) });
      i = end + 1;
    } else if (text.startsWith('//', i)) {
      out.push({ kind: 'sym', value: '//' });
      i += 2;
    } else if ('[]()=@'.includes(c)) {
      out.push({ kind: 'sym', value: c });
      i++;
    } else {
      const m = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?/.exec(text.slice(i));
      if (!m) throw new Error(`unexpected "${c}"`);
      out.push({ kind: 'name', value: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

type ItemTest = (item: SimpleItem) => boolean;

/** ONVIF's ItemFilter dialect: boolean(//tt:SimpleItem[…]) joined with and, or, not(). */
export function compileContentExpression(text: string): MessagePredicate {
  if (text.length > 2048) throw invalidContent(text, 'longer than 2048 characters');
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (err) {
    throw invalidContent(text, (err as Error).message);
  }
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const expect = (value: string) => {
    const t = next();
    if (!t || t.value !== value) throw new Error(`expected "${value}"`);
  };
  const local = (name: string) => name.slice(name.indexOf(':') + 1);

  const orExpr = (): MessagePredicate => {
    let left = andExpr();
    while (peek()?.kind === 'name' && peek()?.value === 'or') {
      next();
      const l = left;
      const r = andExpr();
      left = (m) => l(m) || r(m);
    }
    return left;
  };
  const andExpr = (): MessagePredicate => {
    let left = unary();
    while (peek()?.kind === 'name' && peek()?.value === 'and') {
      next();
      const l = left;
      const r = unary();
      left = (m) => l(m) && r(m);
    }
    return left;
  };
  const unary = (): MessagePredicate => {
    const t = next();
    if (!t) throw new Error('unexpected end');
    if (t.value === '(') {
      const e = orExpr();
      expect(')');
      return e;
    }
    if (t.kind === 'name' && (t.value === 'not' || t.value === 'boolean')) {
      expect('(');
      const e = t.value === 'not' ? orExpr() : path();
      expect(')');
      return t.value === 'not' ? (m) => !e(m) : e;
    }
    throw new Error(`unexpected "${t.value}"`);
  };
  const path = (): MessagePredicate => {
    expect('//');
    const t = next();
    const kind = t?.kind === 'name' ? local(t.value) : '';
    if (kind !== 'SimpleItem' && kind !== 'ElementItem')
      throw new Error('expected tt:SimpleItem or tt:ElementItem');
    let test: ItemTest = () => true;
    if (peek()?.value === '[') {
      next();
      test = predOr();
      expect(']');
    }
    // This device sends no ElementItems: such a path never matches.
    if (kind === 'ElementItem') return () => false;
    return (m) => m.source.some(test) || m.data.some(test);
  };
  const predOr = (): ItemTest => {
    let left = predAnd();
    while (peek()?.value === 'or') {
      next();
      const l = left;
      const r = predAnd();
      left = (i) => l(i) || r(i);
    }
    return left;
  };
  const predAnd = (): ItemTest => {
    let left = predAtom();
    while (peek()?.value === 'and') {
      next();
      const l = left;
      const r = predAtom();
      left = (i) => l(i) && r(i);
    }
    return left;
  };
  const predAtom = (): ItemTest => {
    const t = next();
    if (t?.value === '(') {
      const e = predOr();
      expect(')');
      return e;
    }
    if (t?.value !== '@') throw new Error('expected @Name or @Value');
    const field = next();
    expect('=');
    const v = next();
    if (!field || !v || v.kind !== 'str') throw new Error('expected @Name="…" or @Value="…"');
    if (field.value === 'Name') return (i) => i.name === v.value;
    if (field.value === 'Value') return (i) => i.value === v.value;
    throw new Error(`unknown attribute @${field.value}`);
  };

  try {
    const e = orExpr();
    if (pos !== tokens.length) throw new Error(`unexpected "${tokens[pos]!.value}"`);
    return e;
  } catch (err) {
    throw invalidContent(text, (err as Error).message);
  }
}

function invalidContent(text: string, why: string) {
  return Faults.invalidArgVal(
    'InvalidMessageContentExpressionFault',
    `invalid message content expression "${text.slice(0, 200)}": ${why}`,
  );
}
