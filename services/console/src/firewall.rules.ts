/** The inbound rules the lab server needs for its actual ports: ufw, nftables and Windows netsh. */
export interface FirewallPorts {
  natsPort: number;
  rtspPort: number;
  /** ONVIF ports: one camera's, or a range `start-end`. */
  onvif: string;
  consolePort: number;
}

export interface FirewallRule {
  proto: 'tcp' | 'udp';
  port: string;
  from: string;
  purpose: string;
}

export function firewallRules(p: FirewallPorts): {
  rules: FirewallRule[];
  ufw: string[];
  nftables: string[];
  netsh: string[];
} {
  const rules: FirewallRule[] = [
    { proto: 'tcp', port: p.onvif, from: 'NVRs', purpose: 'ONVIF device service' },
    { proto: 'tcp', port: String(p.rtspPort), from: 'agents, NVRs', purpose: 'RTSP publish and read' },
    { proto: 'udp', port: '8000-8001', from: 'NVRs reading over UDP', purpose: 'RTP/RTCP' },
    { proto: 'udp', port: '3702', from: 'NVRs on this segment', purpose: 'WS-Discovery' },
    { proto: 'tcp', port: String(p.natsPort), from: 'agents', purpose: 'NATS' },
    { proto: 'tcp', port: String(p.consolePort), from: 'administrators', purpose: 'the console (HTTPS)' },
  ];
  return {
    rules,
    ufw: rules.map(
      (r) => `ufw allow ${r.port.replace('-', ':')}/${r.proto} comment 'desk-onvif ${r.purpose}'`,
    ),
    nftables: rules.map((r) => `nft add rule inet filter input ${r.proto} dport ${nftPorts(r.port)} accept`),
    netsh: rules.map(
      (r) =>
        `netsh advfirewall firewall add rule name="desk-onvif ${r.purpose}" dir=in action=allow protocol=${r.proto.toUpperCase()} localport=${r.port}`,
    ),
  };
}

function nftPorts(port: string): string {
  return port.includes('-') ? port : port;
}
