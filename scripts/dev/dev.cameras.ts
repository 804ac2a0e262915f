import { execFile } from 'node:child_process';
import { Interrupted, type DeskSystem } from '@desk-onvif/system';
import type { DevCamera } from './dev.secrets.js';

/** What `desk-onvif-agent status --json --reveal` prints (services/capture-agent status.command.ts). */
export interface AgentStatus {
  camera?: { id: string; name: string };
  state: string;
  onvifAddress?: string;
  rtsp?: { main: string; sub: string };
  credentials: string;
}

/** One camera as `make dev` prints it. */
export interface CameraView {
  label: string;
  dev: DevCamera;
  status: AgentStatus | undefined;
  /** Set when the printed credentials may not be the camera's (see `credentialsWarning`). */
  warning?: string;
}

/** The agent's own `status` command, run with the agent's configuration: the public way to ask. */
export function agentStatus(system: DeskSystem, agent: string): Promise<AgentStatus | undefined> {
  const { command, args, env } = system.agentCommand(agent, ['status', '--json', '--reveal']);
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: 10_000 }, (err, stdout) => {
      if (err) return resolve(undefined);
      try {
        resolve(JSON.parse(stdout) as AgentStatus);
      } catch {
        resolve(undefined);
      }
    });
  });
}

/**
 * Polls each agent's `status` until its camera answers on its ONVIF address, or `timeoutMs` runs
 * out: then the cameras are printed anyway, each not ready one with a warning.
 */
export async function awaitCameras(
  system: DeskSystem,
  cameras: Array<{ label: string; dev: DevCamera }>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<CameraView[]> {
  const deadline = Date.now() + timeoutMs;
  const views: CameraView[] = cameras.map((c) => ({ ...c, status: undefined }));
  const ready = new Set<number>();
  while (ready.size < views.length && Date.now() < deadline) {
    if (signal.aborted) throw new Interrupted();
    for (const [i, view] of views.entries()) {
      if (ready.has(i)) continue;
      view.status = await agentStatus(system, view.dev.name);
      if (await cameraReady(view.status)) ready.add(i);
    }
    if (ready.size < views.length) await new Promise((r) => setTimeout(r, 250));
  }
  for (const [i, view] of views.entries()) {
    const warning = ready.has(i)
      ? credentialsWarning(view.dev, view.status)
      : `not answering yet after ${timeoutMs / 1000} s (see agent-${view.dev.name}.log)`;
    if (warning) view.warning = warning;
  }
  return views;
}

/** Registered, credentials settled with the onvif service, and its ONVIF address answers. */
export async function cameraReady(status: AgentStatus | undefined): Promise<boolean> {
  if (!status?.onvifAddress || !status.camera || status.credentials.startsWith('not set')) return false;
  return onvifAnswers(status.onvifAddress);
}

/** GetSystemDateAndTime (PRE_AUTH: no credentials) answers 200 once the camera's listener is open. */
export async function onvifAnswers(address: string): Promise<boolean> {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">' +
    '<s:Body><GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>';
  try {
    const res = await fetch(address, {
      method: 'POST',
      headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
      body,
      signal: AbortSignal.timeout(2000),
    });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * The credentials `make dev` configured are the camera's unless the camera already had other
 * ONVIF users (its JetStream store is older than `cameras.json`): then say so.
 */
export function credentialsWarning(dev: DevCamera, status: AgentStatus | undefined): string | undefined {
  const existing = /^user (\S+) \(the camera already had ONVIF users/.exec(status?.credentials ?? '');
  if (existing && existing[1] !== dev.onvifUser)
    return `the camera already had ONVIF user ${existing[1]}: these credentials may not work (remove the state directory to start over)`;
  return undefined;
}

export function formatCameras(cameras: CameraView[]): string {
  const lines: string[] = ['cameras:'];
  for (const [i, c] of cameras.entries()) {
    const s = c.status;
    lines.push(`  camera ${i + 1}: ${c.label}${s?.camera ? ` (${s.camera.name}, id ${s.camera.id})` : ''}`);
    if (!s?.onvifAddress || !s.rtsp) {
      lines.push(
        `    not ready yet (agent state: ${s?.state ?? 'unknown'}); its log: agent-${c.dev.name}.log`,
      );
      continue;
    }
    const rtspUrl = new URL(s.rtsp.main);
    rtspUrl.username = encodeURIComponent(c.dev.onvifUser);
    rtspUrl.password = encodeURIComponent(c.dev.onvifPassword);
    lines.push(
      `    ONVIF      ${s.onvifAddress}`,
      `    RTSP main  ${s.rtsp.main}`,
      `    RTSP sub   ${s.rtsp.sub}`,
      `    user       ${c.dev.onvifUser}`,
      `    password   ${c.dev.onvifPassword}`,
      `    play       ffplay -rtsp_transport tcp '${rtspUrl.href}'`,
    );
    if (c.warning) lines.push(`    WARNING    ${c.warning}`);
  }
  return `${lines.join('\n')}\n`;
}
