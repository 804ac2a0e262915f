import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { Public } from './auth.guard.js';
import { ConsoleNotFoundError } from './errors.js';
import { SESSION_COOKIE, cookieValue, type ConsoleRequest, type ConsoleResponse } from './http.types.js';
import { SessionStore } from './session.store.js';

/** The browser app, built by `make build` into dist/web (esbuild), served from here: no CDN. */
const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), 'web');
const ASSETS: Record<string, string> = { 'app.js': 'text/javascript', 'app.css': 'text/css' };

function read(name: string): Buffer {
  try {
    return readFileSync(join(WEB_DIR, name));
  } catch {
    throw new ConsoleNotFoundError(`${name} is missing: run 'make build'`);
  }
}

@Controller()
export class WebController {
  constructor(private readonly sessions: SessionStore) {}

  /** The app itself only with a session; without one, the sign-in page. */
  @Public()
  @Get()
  index(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse): void {
    if (!this.sessions.lookup(cookieValue(req.headers.cookie, SESSION_COOKIE))) {
      res.redirect(302, '/login');
      return;
    }
    this.page(res);
  }

  @Public()
  @Get('login')
  login(@Res() res: ConsoleResponse): void {
    this.page(res);
  }

  @Public()
  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() res: ConsoleResponse): void {
    const type = ASSETS[name];
    if (!type) throw new ConsoleNotFoundError(`no asset ${name}`);
    res.writeHead(200, { 'Content-Type': `${type}; charset=utf-8`, 'Cache-Control': 'no-cache' });
    res.end(read(name));
  }

  private page(res: ConsoleResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(read('index.html'));
  }
}
