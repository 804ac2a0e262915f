import { noMonitorsMessage, parseWindowsScreens, parseXrandrMonitors } from './platform.probe.js';

describe('parseXrandrMonitors', () => {
  it('reads `xrandr --listmonitors` with two monitors', () => {
    const text =
      'Monitors: 2\n 0: +*DP-1 1920/530x1080/300+0+0  DP-1\n 1: +HDMI-1 1280/340x1024/270+1920+0  HDMI-1\n';
    expect(parseXrandrMonitors(text)).toEqual([
      { index: 0, name: 'DP-1', primary: true, bounds: { x: 0, y: 0, width: 1920, height: 1080 } },
      { index: 1, name: 'HDMI-1', primary: false, bounds: { x: 1920, y: 0, width: 1280, height: 1024 } },
    ]);
  });

  it('reads Xvfb, which names its one monitor "screen"', () => {
    expect(parseXrandrMonitors('Monitors: 1\n 0: +*screen 1280/338x720/190+0+0  screen\n')).toHaveLength(1);
  });
});

describe('parseWindowsScreens', () => {
  it("reads the PowerShell script's lines, one per screen", () => {
    expect(
      parseWindowsScreens('\\\\.\\DISPLAY1|True|0|0|1920|1080\r\n\\\\.\\DISPLAY2|False|1920|0|1280|1024\r\n'),
    ).toEqual([
      { index: 0, name: '\\\\.\\DISPLAY1', primary: true, bounds: { x: 0, y: 0, width: 1920, height: 1080 } },
      {
        index: 1,
        name: '\\\\.\\DISPLAY2',
        primary: false,
        bounds: { x: 1920, y: 0, width: 1280, height: 1024 },
      },
    ]);
  });

  it('nothing from PowerShell is no monitor, and the message says where it came from', () => {
    expect(parseWindowsScreens('')).toEqual([]);
    expect(noMonitorsMessage('win32')).toBe(
      'no monitor listed: PowerShell ([System.Windows.Forms.Screen]::AllScreens) returned nothing',
    );
  });
});
