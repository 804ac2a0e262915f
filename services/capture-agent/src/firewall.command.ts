import { mediaEndpoint } from './stream.job.js';

/**
 * `firewall`: what the lab server must let in. The agent itself only connects out (NATS, RTSP
 * publish) and listens on loopback for its metrics, so the PC needs no inbound rule.
 */
export interface FirewallInputs {
  natsUrl: string;
  mediaUrl: string;
  /** This camera's ONVIF port when registered; else the default range is shown. */
  onvifPort: number | undefined;
}

export function firewallRules(i: FirewallInputs): string {
  const natsPort = Number(new URL(i.natsUrl.split(',')[0]?.trim() ?? '').port || 4222);
  const rtsp = mediaEndpoint(i.mediaUrl);
  const onvif = i.onvifPort ? String(i.onvifPort) : '8090-8110';
  const rows: Array<[string, string, string, string, string]> = [
    ['tcp', String(natsPort), 'agents', 'NATS', 'registration, heartbeats, settings'],
    ['tcp', String(rtsp.port), 'agents, NVRs', 'RTSP', 'MediaMTX: publish (agents) and read (NVRs)'],
    ['tcp', onvif, 'NVRs', 'ONVIF', `device service${i.onvifPort ? ' of this camera' : ' (default range)'}`],
    ['udp', '3702', 'NVRs', 'WS-Discovery', 'multicast 239.255.255.250'],
  ];
  const table = rows.map(
    ([proto, port, from, name, what]) =>
      `  ${proto.padEnd(6)}${port.padEnd(11)}${from.padEnd(14)}${name}: ${what}`,
  );
  const ufw = rows.map(([proto, port]) => `  ufw allow ${port.replace('-', ':')}/${proto}`);
  const netsh = rows.map(
    ([proto, port, , name]) =>
      `  netsh advfirewall firewall add rule name="desk-onvif ${name}" dir=in action=allow protocol=${proto.toUpperCase()} localport=${port}`,
  );
  return [
    `Inbound rules on the lab server (${rtsp.host}):`,
    `  ${'proto'.padEnd(6)}${'port'.padEnd(11)}${'from'.padEnd(14)}purpose`,
    ...table,
    '',
    'Linux (ufw):',
    ...ufw,
    '',
    'Windows (netsh):',
    ...netsh,
    '',
    'This PC: no inbound rule. The agent only connects out and serves /metrics on 127.0.0.1.',
    '',
  ].join('\n');
}
