/** The part of the npm `onvif` client (agsh, 0.8.x, no types of its own) the tests use. */
declare module 'onvif' {
  type Callback<T> = (err: Error | null, result: T, xml?: string) => void;
  interface CamOptions {
    hostname: string;
    port: number;
    username?: string;
    password?: string;
    useWSSecurity?: boolean;
    timeout?: number;
    autoconnect?: boolean;
    useSecure?: boolean;
    secureOpts?: { ca?: Buffer | string; rejectUnauthorized?: boolean; servername?: string };
  }
  export interface Profile {
    $: { token: string };
    name: string;
    videoEncoderConfiguration?: {
      resolution: { width: number; height: number };
      rateControl?: { frameRateLimit: number };
    };
  }
  export interface User {
    username: string;
    password?: string;
    userLevel: string;
  }
  /** A NotificationMessage as the library hands it to 'event' listeners (xml2js, camelCased). */
  export interface EventMessage {
    topic: { _: string };
    message: {
      message: {
        $: { PropertyOperation?: string };
        data: { simpleItem: { $: { Name: string; Value: unknown } } };
      };
    };
  }
  export class Cam {
    constructor(options: CamOptions, callback?: (err: Error | null) => void);
    profiles: Profile[];
    uri: Record<string, URL>;
    connect(callback: (err: Error | null) => void): void;
    on(event: 'rawResponse', listener: (xml: string, status: number) => void): this;
    on(event: 'event', listener: (message: EventMessage) => void): this;
    removeAllListeners(event?: string): this;
    getStreamUri(
      options: { protocol?: string; profileToken?: string; stream?: string },
      cb: Callback<{ uri: string }>,
    ): void;
    getSnapshotUri(options: { profileToken?: string }, cb: Callback<{ uri: string }>): void;
    getDeviceInformation(cb: Callback<{ serialNumber: string; manufacturer: string }>): void;
    getNetworkInterfaces(cb: Callback<unknown>): void;
    getUsers(cb: Callback<User[]>): void;
    createUsers(users: User[], cb: Callback<User[]>): void;
    setUsers(users: User[], cb: Callback<User[]>): void;
    deleteUsers(users: (User | string)[], cb: Callback<User[]>): void;
    getSystemDateAndTime(cb: Callback<Date>): void;
  }
  const onvif: { Cam: typeof Cam };
  export default onvif;
}
