#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { CapturePlatform } from '@desk-onvif/ffmpeg-args';
import { parseCliArgs } from './cli.args.js';
import { AgentConfigError, type AgentConfig, loadAgentConfig } from './config.js';
import { configFields, envName, flagName } from './config.fields.js';
import { firewallRules } from './firewall.command.js';
import { NOT_WINDOWS_MESSAGE, schtasksCreateArgs, schtasksDeleteArgs } from './install.command.js';
import { errorMessage, jsonLogger } from './logger.js';
import { ffmpegPath, listMonitors } from './platform.probe.js';
import { chooseAudioDevice, listAudioDevices } from './audio.device.js';
import { enrolCommand } from './enrol.command.js';
import { runAgent } from './run.command.js';
import { StateStore } from './state.store.js';
import { fetchLive, formatStatus, statusView } from './status.command.js';

/** Exit codes: 0 done, 1 failed while running, 2 bad configuration or usage. */
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

const COMMANDS = ['run', 'enrol', 'status', 'devices', 'install', 'uninstall', 'firewall'] as const;
const SWITCHES = new Set(['json', 'reveal', 'help']);

/** Set by the one-file build (esbuild `define`), where there is no package.json beside the code. */
declare const DESK_ONVIF_AGENT_VERSION: string | undefined;
const version =
  typeof DESK_ONVIF_AGENT_VERSION === 'string'
    ? DESK_ONVIF_AGENT_VERSION
    : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
        .version;

function usage(): string {
  const options = Object.keys(configFields).map((f) => `  ${flagName(f).padEnd(26)}${envName(f)}`);
  return [
    `desk-onvif-agent ${version}: this desktop as an ONVIF camera`,
    '',
    'usage: desk-onvif-agent <command> [--config FILE] [--option value]...',
    '  run        capture and stream until stopped',
    '  enrol      enrol now with enrollmentToken (Windows shared mode: as administrator, machine-wide)',
    '  status     camera name, ONVIF address, RTSP URLs, credentials hint, state (--json, --reveal)',
    '  devices    monitors and audio capture devices (--json)',
    '  install    Windows: a Task Scheduler logon task that runs the agent; uninstall removes it',
    '  firewall   the inbound rules the lab server needs',
    '',
    'options (a JSON config file takes the same names in camelCase):',
    ...options,
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseCliArgs(argv, SWITCHES);
  if (parsed.switches.has('help')) {
    process.stdout.write(usage());
    return 0;
  }
  if (!parsed.command) {
    process.stderr.write(`desk-onvif-agent: a command is needed\n\n${usage()}`);
    return EXIT_USAGE;
  }
  const command = parsed.command;
  if (!(COMMANDS as readonly string[]).includes(command) || parsed.problems.length) {
    const problems = parsed.problems.length ? parsed.problems : [`unknown command "${command}"`];
    process.stderr.write(`${problems.join('\n')}\n\n${usage()}`);
    return EXIT_USAGE;
  }
  if (process.platform !== 'win32' && process.platform !== 'linux') {
    process.stderr.write(`desk-onvif-agent runs on Windows and Linux, not ${process.platform}\n`);
    return EXIT_USAGE;
  }
  const platform: CapturePlatform = process.platform;
  let config: AgentConfig;
  try {
    config = loadAgentConfig({ env: process.env, flags: parsed.flags, platform });
  } catch (err) {
    if (!(err instanceof AgentConfigError)) throw err;
    process.stderr.write(`desk-onvif-agent: ${err.message}\n`);
    return EXIT_USAGE;
  }
  const json = parsed.switches.has('json');
  const print = (value: unknown, text: string) =>
    process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text);
  const store = new StateStore(config.stateDir);

  switch (command) {
    case 'run':
      await runAgent(config, platform, version, jsonLogger(config.logLevel, { service: 'capture-agent' }));
      return 0;
    case 'enrol': {
      const out = await enrolCommand(
        config,
        platform,
        jsonLogger(config.logLevel, { service: 'capture-agent' }),
      );
      if (!out.ok) {
        process.stderr.write(`desk-onvif-agent: enrolment refused (${out.code}): ${out.message}\n`);
        if (json) print(out, '');
        return EXIT_FAILURE;
      }
      print(
        out,
        `${out.already ? 'already enrolled' : 'enrolled'}: camera ${out.cameraId}, credential in ${out.dir} (${out.scope})\n`,
      );
      return 0;
    }
    case 'status': {
      const view = statusView(
        config,
        store.load().state,
        await fetchLive(store),
        parsed.switches.has('reveal'),
      );
      print(view, formatStatus(view));
      return 0;
    }
    case 'devices': {
      const { monitors, problem } = await listMonitors(platform, config.display);
      const audio = await listAudioDevices(ffmpegPath(config.ffmpegPath), platform);
      const chosen = chooseAudioDevice(platform, config.audioDevice, audio);
      const text = [
        'monitors (source monitor:N):',
        ...(problem
          ? [`  ${problem}`, '  (sources desktop, region:X,Y,WxH and window:TITLE need no monitor list)']
          : []),
        ...monitors.map(
          (m) =>
            `  ${m.index}: ${m.name} ${m.bounds.width}x${m.bounds.height}+${m.bounds.x}+${m.bounds.y}${m.primary ? ' (primary)' : ''}`,
        ),
        `audio capture devices${platform === 'win32' ? ' (dshow)' : ' (PulseAudio)'}:`,
        ...(audio.length
          ? audio.map((a) => `  ${a.name}${a.loopback ? '  (loopback: what the PC plays)' : ''}`)
          : ['  none found']),
        chosen.device
          ? `the camera's sound: ${chosen.device}${config.audio === 'off' ? ' (but audio is off)' : ''}`
          : `the camera has no sound: ${chosen.why}`,
        '',
      ].join('\n');
      print(
        {
          monitors,
          audio,
          audioDevice: chosen.device ?? null,
          audioProblem: chosen.device ? null : chosen.why,
          ...(problem ? { problem } : {}),
        },
        text,
      );
      // Monitors that cannot be listed are a failure to say so: a script reading --json sees it too.
      return problem ? EXIT_FAILURE : 0;
    }
    case 'install':
    case 'uninstall': {
      if (platform !== 'win32') {
        process.stderr.write(`${NOT_WINDOWS_MESSAGE}\n`);
        return EXIT_USAGE;
      }
      const { execFileSync } = await import('node:child_process');
      const user = `${process.env['USERDOMAIN'] ?? ''}\\${userInfo().username}`;
      const spec = {
        mode: config.mode,
        user,
        nodePath: process.execPath,
        // The one-file desk-onvif-agent.exe (a Node single-executable application) is its own entry.
        entryPath: (await import('node:sea')).isSea() ? undefined : process.argv[1],
        configFile: config.configFile,
      };
      const args = command === 'install' ? schtasksCreateArgs(spec) : schtasksDeleteArgs(spec);
      execFileSync('schtasks', args, { stdio: 'inherit', windowsHide: true });
      return 0;
    }
    case 'firewall': {
      const onvifPort = store.load().state?.camera.onvifPort;
      process.stdout.write(firewallRules({ natsUrl: config.natsUrl, mediaUrl: config.mediaUrl, onvifPort }));
      return 0;
    }
  }
  return EXIT_USAGE;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`desk-onvif-agent: ${errorMessage(err)}\n`);
    process.exit(EXIT_FAILURE);
  },
);
