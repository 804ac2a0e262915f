import { CredentialsBootstrapSchema } from '@desk-onvif/contracts';
import { bootstrapRequest } from './nats.session.js';

const ID = '0b7f5f64-5d1a-5c8e-9a4e-2f1d4e8c7a90';

describe('bootstrapRequest', () => {
  it('sends the configured ONVIF credentials', () => {
    const req = bootstrapRequest({ onvifUser: 'nvr-admin', onvifPassword: 'correct horse' }, ID);
    expect(req).toEqual({ id: ID, username: 'nvr-admin', password: 'correct horse' });
    expect(CredentialsBootstrapSchema.safeParse(req).success).toBe(true);
  });

  it('sends none when none are configured: the onvif service generates a password', () => {
    expect(bootstrapRequest({}, ID)).toEqual({ id: ID });
  });
});
