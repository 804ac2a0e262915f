import { CLIENT_CASES, mutate, prng, type ClientCase } from './client-requests.fixtures.js';
import { context, endpoint } from './test.fixtures.js';
import type { SoapHttpRequest } from './soap.endpoint.js';

/** The requests of real clients (client-requests.fixtures.ts), answered; then mutated (fuzz). */

function request(c: ClientCase, body = c.xml): SoapHttpRequest {
  return {
    method: 'POST',
    uri: '/onvif/device_service',
    contentType: c.contentType,
    authorization: undefined,
    body,
  };
}

describe('requests of real clients', () => {
  test.each(CLIENT_CASES)('$name', (c) => {
    const sut = endpoint();
    const reply = sut.handle(request(c), context());
    expect(reply.status).toBe(c.status);
    expect(reply.body).toContain(c.contains);
  });
});

describe('fuzz: mutated client requests always get an HTTP answer with a SOAP body, never an exception', () => {
  test.each(CLIENT_CASES.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const rnd = prng(1000 + i);
    const sut = endpoint({ allowPasswordText: true });
    for (let n = 0; n < 300; n++) {
      let body = c.xml;
      for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) body = mutate(body, rnd);
      const reply = sut.handle(request(c, body), context());
      expect([200, 400, 401, 415, 500]).toContain(reply.status);
      expect(reply.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<env:Envelope /);
    }
  });
});
