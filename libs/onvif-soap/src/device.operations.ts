import { DEVICE_MODEL } from '@desk-onvif/contracts';
import { Ns } from './namespaces.js';
import {
  capabilitiesXml,
  deviceServiceCapabilitiesXml,
  media2ServiceCapabilitiesXml,
  mediaServiceCapabilitiesXml,
  xaddr,
} from './capabilities.js';
import { eventServiceCapabilitiesXml } from './events.operations.js';
import { imagingServiceCapabilitiesXml } from './imaging.operations.js';
import type { Operation } from './operation.types.js';
import { Faults, SoapFault } from './soap.fault.js';
import { esc, textAt } from './xml.js';

/** Device management (ONVIF Core 8, devicemgmt.wsdl), but for users (users.operations.ts). */

const pad = (n: number) => String(n);

function dateTimeXml(tag: string, d: Date): string {
  return (
    `<tt:${tag}><tt:Time><tt:Hour>${pad(d.getUTCHours())}</tt:Hour><tt:Minute>${pad(d.getUTCMinutes())}</tt:Minute>` +
    `<tt:Second>${pad(d.getUTCSeconds())}</tt:Second></tt:Time><tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year>` +
    `<tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date></tt:${tag}>`
  );
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export const deviceOperations: Operation[] = [
  {
    service: 'device',
    name: 'GetSystemDateAndTime',
    access: 'PRE_AUTH',
    // ONVIF Core 8.3.10: clients sign UsernameTokens with the clock read here, so true UTC.
    handle: ({ now }) => ({
      body:
        `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>` +
        `<tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone>` +
        `${dateTimeXml('UTCDateTime', now)}${dateTimeXml('LocalDateTime', now)}` +
        `</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`,
    }),
  },
  {
    service: 'device',
    name: 'GetCapabilities',
    access: 'PRE_AUTH',
    handle: (ctx) => {
      const categories = ctx.request.children.filter((c) => c.local === 'Category').map((c) => c.text);
      const asked = categories.length === 0 || categories.includes('All') ? 'All' : categories;
      if (asked !== 'All') {
        const unsupported = asked.find(
          (c) => c !== 'Device' && c !== 'Media' && c !== 'Events' && c !== 'Imaging',
        );
        // ONVIF Core 8.1.2.3: a category the device lacks.
        if (unsupported) {
          throw new SoapFault(
            'Receiver',
            ['ActionNotSupported', 'NoSuchService'],
            `no ${unsupported} service`,
          );
        }
        if (asked.length === 1) return { body: capabilitiesXml(ctx, asked[0] ?? 'All') };
      }
      return { body: capabilitiesXml(ctx, 'All') };
    },
  },
  {
    service: 'device',
    name: 'GetServices',
    access: 'PRE_AUTH',
    handle: (ctx) => {
      const withCaps = /^(true|1)$/.test(textAt(ctx.request, 'IncludeCapability') ?? '');
      const service = (ns: string, addr: string, caps: string, major: number, minor: number) =>
        `<tds:Service><tds:Namespace>${ns}</tds:Namespace><tds:XAddr>${esc(addr)}</tds:XAddr>` +
        (withCaps ? `<tds:Capabilities>${caps}</tds:Capabilities>` : '') +
        `<tds:Version><tt:Major>${major}</tt:Major><tt:Minor>${minor}</tt:Minor></tds:Version></tds:Service>`;
      return {
        body:
          `<tds:GetServicesResponse>` +
          service(
            Ns.device,
            xaddr(ctx.endpoint, 'device'),
            deviceServiceCapabilitiesXml('tds:Capabilities', ctx.endpoint.tls === true),
            2,
            60,
          ) +
          service(
            Ns.media,
            xaddr(ctx.endpoint, 'media'),
            mediaServiceCapabilitiesXml('trt:Capabilities'),
            2,
            60,
          ) +
          service(
            Ns.media2,
            xaddr(ctx.endpoint, 'media2'),
            media2ServiceCapabilitiesXml(
              'tr2:Capabilities',
              ctx.camera.settings.audio !== undefined,
              ctx.endpoint.rtspsPort !== undefined,
            ),
            2,
            60,
          ) +
          service(
            Ns.events,
            xaddr(ctx.endpoint, 'events'),
            eventServiceCapabilitiesXml('tev:Capabilities', ctx.features),
            2,
            60,
          ) +
          service(
            Ns.imaging,
            xaddr(ctx.endpoint, 'imaging'),
            imagingServiceCapabilitiesXml('timg:Capabilities'),
            2,
            60,
          ) +
          `</tds:GetServicesResponse>`,
      };
    },
  },
  {
    service: 'device',
    name: 'GetServiceCapabilities',
    access: 'PRE_AUTH',
    handle: (ctx) => ({
      body: `<tds:GetServiceCapabilitiesResponse>${deviceServiceCapabilitiesXml('tds:Capabilities', ctx.endpoint.tls === true)}</tds:GetServiceCapabilitiesResponse>`,
    }),
  },
  {
    service: 'device',
    name: 'GetDeviceInformation',
    access: 'READ_SYSTEM',
    handle: ({ camera, device }) => ({
      body:
        `<tds:GetDeviceInformationResponse><tds:Manufacturer>${esc(device.manufacturer)}</tds:Manufacturer>` +
        `<tds:Model>${esc(DEVICE_MODEL)}</tds:Model><tds:FirmwareVersion>${esc(device.firmwareVersion)}</tds:FirmwareVersion>` +
        `<tds:SerialNumber>${esc(camera.serial)}</tds:SerialNumber><tds:HardwareId>${esc(camera.id)}</tds:HardwareId>` +
        `</tds:GetDeviceInformationResponse>`,
    }),
  },
  {
    service: 'device',
    name: 'GetHostname',
    access: 'READ_SYSTEM',
    handle: ({ camera }) => ({
      body:
        `<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>false</tt:FromDHCP>` +
        `<tt:Name>${esc(hostnameOf(camera.hostName))}</tt:Name></tds:HostnameInformation></tds:GetHostnameResponse>`,
    }),
  },
  {
    service: 'device',
    name: 'GetNetworkInterfaces',
    access: 'READ_SYSTEM',
    // Home Assistant and UniFi Protect identify a camera by this HwAddress: one MAC per camera.
    handle: ({ camera, endpoint }) => {
      const ipv4 = IPV4.test(endpoint.host)
        ? `<tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Config><tt:Manual><tt:Address>${endpoint.host}</tt:Address>` +
          `<tt:PrefixLength>24</tt:PrefixLength></tt:Manual><tt:DHCP>false</tt:DHCP></tt:Config></tt:IPv4>`
        : '';
      return {
        body:
          `<tds:GetNetworkInterfacesResponse><tds:NetworkInterfaces token="eth0"><tt:Enabled>true</tt:Enabled>` +
          `<tt:Info><tt:Name>eth0</tt:Name><tt:HwAddress>${camera.mac}</tt:HwAddress><tt:MTU>1500</tt:MTU></tt:Info>` +
          `${ipv4}</tds:NetworkInterfaces></tds:GetNetworkInterfacesResponse>`,
      };
    },
  },
  {
    service: 'device',
    name: 'GetNetworkProtocols',
    access: 'READ_SYSTEM',
    handle: ({ endpoint }) => ({
      body:
        `<tds:GetNetworkProtocolsResponse>` +
        `<tds:NetworkProtocols><tt:Name>HTTP</tt:Name><tt:Enabled>true</tt:Enabled><tt:Port>${endpoint.port}</tt:Port></tds:NetworkProtocols>` +
        `<tds:NetworkProtocols><tt:Name>RTSP</tt:Name><tt:Enabled>true</tt:Enabled><tt:Port>${endpoint.rtspPort}</tt:Port></tds:NetworkProtocols>` +
        `</tds:GetNetworkProtocolsResponse>`,
    }),
  },
  {
    service: 'device',
    name: 'GetDNS',
    access: 'READ_SYSTEM',
    handle: () => ({
      body: `<tds:GetDNSResponse><tds:DNSInformation><tt:FromDHCP>true</tt:FromDHCP></tds:DNSInformation></tds:GetDNSResponse>`,
    }),
  },
  {
    service: 'device',
    name: 'GetNTP',
    access: 'READ_SYSTEM',
    handle: () => ({
      body: `<tds:GetNTPResponse><tds:NTPInformation><tt:FromDHCP>true</tt:FromDHCP></tds:NTPInformation></tds:GetNTPResponse>`,
    }),
  },
  {
    service: 'device',
    name: 'GetDiscoveryMode',
    access: 'READ_SYSTEM',
    handle: ({ camera }) => ({
      body: `<tds:GetDiscoveryModeResponse><tds:DiscoveryMode>${camera.discoveryMode}</tds:DiscoveryMode></tds:GetDiscoveryModeResponse>`,
    }),
  },
  {
    service: 'device',
    name: 'SetDiscoveryMode',
    access: 'WRITE_SYSTEM',
    handle: ({ request }) => {
      const mode = textAt(request, 'DiscoveryMode');
      if (mode !== 'Discoverable' && mode !== 'NonDiscoverable') {
        throw Faults.invalidArgVal('InvalidArgVal', `DiscoveryMode must be Discoverable or NonDiscoverable`);
      }
      return { body: `<tds:SetDiscoveryModeResponse/>`, effect: { kind: 'discoveryMode', mode } };
    },
  },
  {
    service: 'device',
    name: 'GetWsdlUrl',
    access: 'PRE_AUTH',
    handle: () => ({
      body: `<tds:GetWsdlUrlResponse><tds:WsdlUrl>https://www.onvif.org/profiles/specifications/</tds:WsdlUrl></tds:GetWsdlUrlResponse>`,
    }),
  },
  {
    service: 'device',
    name: 'GetEndpointReference',
    access: 'PRE_AUTH',
    // The WS-Discovery endpoint reference (DESIGN.md): urn:uuid:<camera id>.
    handle: ({ camera }) => ({
      body: `<tds:GetEndpointReferenceResponse><tds:GUID>urn:uuid:${camera.id}</tds:GUID></tds:GetEndpointReferenceResponse>`,
    }),
  },
  {
    service: 'device',
    name: 'SystemReboot',
    access: 'UNRECOVERABLE',
    // A desktop is not rebooted: the camera's capture restarts, as a camera's firmware would.
    handle: () => ({
      body: `<tds:SystemRebootResponse><tds:Message>Restarting the capture</tds:Message></tds:SystemRebootResponse>`,
      effect: { kind: 'reboot' },
    }),
  },
];

/** tds:Name is an xs:token hostname: letters, digits and hyphens. */
function hostnameOf(name: string): string {
  const h = name
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return h || 'desk-onvif';
}
