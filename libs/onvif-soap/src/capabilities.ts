import type { Endpoint, OperationContext, ServiceName } from './operation.types.js';
import { hostForUri } from './profiles.js';
import { esc } from './xml.js';

/**
 * What the device says it can do: the XAddrs, GetCapabilities (ONVIF Core 8.1.2.3, the old form
 * node-onvif and Home Assistant read) and the per-service capabilities of GetServices and
 * GetServiceCapabilities. TLS 1.2 when the endpoint serves HTTPS; no IP filter, no backup, no multicast.
 */

export function xaddr(e: Endpoint, service: ServiceName): string {
  return `${e.tls ? 'https' : 'http'}://${hostForUri(e.host)}:${e.port}/onvif/${service}_service`;
}

/** tds:DeviceServiceCapabilities: what this small device does (no TLS, no IP filter, no backup). */
export function deviceServiceCapabilitiesXml(tag: string, tls = false): string {
  return (
    `<${tag}><tds:Network IPFilter="false" ZeroConfiguration="false" IPVersion6="false" DynDNS="false" ` +
    `NTP="0" HostnameFromDHCP="false"/>` +
    `<tds:Security TLS1.0="false" TLS1.1="false" TLS1.2="${tls}" OnboardKeyGeneration="false" ` +
    `AccessPolicyConfig="false" DefaultAccessPolicy="true" Dot1X="false" RemoteUserHandling="false" ` +
    `X.509Token="false" SAMLToken="false" KerberosToken="false" UsernameToken="true" HttpDigest="true" ` +
    `RELToken="false" MaxUsers="16" MaxUserNameLength="64" MaxPasswordLength="128"/>` +
    `<tds:System DiscoveryResolve="true" DiscoveryBye="true" RemoteDiscovery="false" SystemBackup="false" ` +
    `SystemLogging="false" FirmwareUpgrade="false" HttpFirmwareUpgrade="false" HttpSystemBackup="false" ` +
    `HttpSystemLogging="false" HttpSupportInformation="false"/></${tag}>`
  );
}

export function capabilitiesXml(ctx: OperationContext, category: string): string {
  const device =
    `<tt:Device><tt:XAddr>${esc(xaddr(ctx.endpoint, 'device'))}</tt:XAddr>` +
    `<tt:Network><tt:IPFilter>false</tt:IPFilter><tt:ZeroConfiguration>false</tt:ZeroConfiguration>` +
    `<tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>false</tt:DynDNS></tt:Network>` +
    `<tt:System><tt:DiscoveryResolve>true</tt:DiscoveryResolve><tt:DiscoveryBye>true</tt:DiscoveryBye>` +
    `<tt:RemoteDiscovery>false</tt:RemoteDiscovery><tt:SystemBackup>false</tt:SystemBackup>` +
    `<tt:SystemLogging>false</tt:SystemLogging><tt:FirmwareUpgrade>false</tt:FirmwareUpgrade>` +
    `<tt:SupportedVersions><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tt:SupportedVersions></tt:System>` +
    `<tt:Security><tt:TLS1.1>false</tt:TLS1.1><tt:TLS1.2>${ctx.endpoint.tls === true}</tt:TLS1.2>` +
    `<tt:OnboardKeyGeneration>false</tt:OnboardKeyGeneration><tt:AccessPolicyConfig>false</tt:AccessPolicyConfig>` +
    `<tt:X.509Token>false</tt:X.509Token><tt:SAMLToken>false</tt:SAMLToken>` +
    `<tt:KerberosToken>false</tt:KerberosToken><tt:RELToken>false</tt:RELToken></tt:Security></tt:Device>`;
  const media =
    `<tt:Media><tt:XAddr>${esc(xaddr(ctx.endpoint, 'media'))}</tt:XAddr><tt:StreamingCapabilities>` +
    `<tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP>` +
    `</tt:StreamingCapabilities><tt:Extension><tt:ProfileCapabilities>` +
    `<tt:MaximumNumberOfProfiles>${MAX_PROFILES}</tt:MaximumNumberOfProfiles></tt:ProfileCapabilities>` +
    `</tt:Extension></tt:Media>`;
  // ONVIF Core 8.1.2.3: WSPullPointSupport says the pull-point interface is there (Home Assistant reads it).
  const events =
    `<tt:Events><tt:XAddr>${esc(xaddr(ctx.endpoint, 'events'))}</tt:XAddr>` +
    `<tt:WSSubscriptionPolicySupport>false</tt:WSSubscriptionPolicySupport>` +
    `<tt:WSPullPointSupport>true</tt:WSPullPointSupport>` +
    `<tt:WSPausableSubscriptionManagerInterfaceSupport>false</tt:WSPausableSubscriptionManagerInterfaceSupport>` +
    `</tt:Events>`;
  const imaging = `<tt:Imaging><tt:XAddr>${esc(xaddr(ctx.endpoint, 'imaging'))}</tt:XAddr></tt:Imaging>`;
  // tt:Capabilities keeps the schema's order: Device, Events, Imaging, Media.
  const parts =
    category === 'Device'
      ? device
      : category === 'Media'
        ? media
        : category === 'Events'
          ? events
          : category === 'Imaging'
            ? imaging
            : device + events + imaging + media;
  return `<tds:GetCapabilitiesResponse><tds:Capabilities>${parts}</tds:Capabilities></tds:GetCapabilitiesResponse>`;
}

/** Two fixed profiles plus up to eight a client creates. */
export const MAX_PROFILES = 10;

export function mediaServiceCapabilitiesXml(tag: string): string {
  return (
    `<${tag} SnapshotUri="true" Rotation="false" VideoSourceMode="false" OSD="true">` +
    `<trt:ProfileCapabilities MaximumNumberOfProfiles="${MAX_PROFILES}"/>` +
    `<trt:StreamingCapabilities RTPMulticast="false" RTP_TCP="true" RTP_RTSP_TCP="true" NonAggregateControl="false" NoRTSPStreaming="false"/>` +
    `</${tag}>`
  );
}

/**
 * Media2's capabilities. ConfigurationsSupported (ONVIF Media2 5.2.1: the configuration types a
 * profile may hold) names the audio ones only for a camera that has audio: an NVR reading it
 * before GetProfiles knows whether to ask for sound. SecureRTSPStreaming: RTSPS is served
 * (GetStreamUri with RtspsUnicast).
 */
export function media2ServiceCapabilitiesXml(tag: string, withAudio = false, rtsps = false): string {
  const supported = `VideoSource VideoEncoder${withAudio ? ' AudioSource AudioEncoder' : ''}`;
  return (
    `<${tag} SnapshotUri="true" Rotation="false" VideoSourceMode="false" OSD="true">` +
    `<tr2:ProfileCapabilities MaximumNumberOfProfiles="${MAX_PROFILES}" ConfigurationsSupported="${supported}"/>` +
    `<tr2:StreamingCapabilities RTSPStreaming="true" RTPMulticast="false" RTP_RTSP_TCP="true" NonAggregateControl="false"${rtsps ? ' SecureRTSPStreaming="true"' : ''}/>` +
    `</${tag}>`
  );
}
