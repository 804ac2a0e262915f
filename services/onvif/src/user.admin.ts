import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ConflictError, InvalidRequestError, NotFoundError, type OnvifUserView } from '@desk-onvif/contracts';
import { SoapFault, type UserChange, type UserLevel } from '@desk-onvif/onvif-soap';
import { CamerasBucket } from './credentials.service.js';
import { UserStore } from './user.store.js';

/**
 * `onvif.users.*`: an administrator's changes of a camera's ONVIF users, carried out by the users
 * store exactly as CreateUsers, SetUser and DeleteUsers are (one compare-and-set, the same rules).
 * A password is answered only when generated here, and never logged.
 */
@Injectable()
export class UserAdmin {
  private readonly logger = new Logger('users');
  constructor(
    private readonly users: UserStore,
    private readonly cameras: CamerasBucket,
  ) {}

  async list(id: string): Promise<OnvifUserView[]> {
    await this.cameraExists(id);
    return this.users.usersOf(id).list.map((u) => ({ username: u.username, level: u.level }));
  }

  async add(req: { id: string; username: string; level: UserLevel; password?: string | undefined }) {
    await this.cameraExists(req.id);
    const password = req.password ?? generatePassword();
    await this.apply(req.id, {
      kind: 'createUsers',
      users: [{ username: req.username, password, level: req.level }],
    });
    this.logger.log({ msg: 'ONVIF user added', cameraId: req.id, username: req.username, level: req.level });
    const user = { username: req.username, level: req.level };
    return req.password === undefined ? { user, password } : { user };
  }

  async set(req: {
    id: string;
    username: string;
    level?: UserLevel | undefined;
    password?: string | undefined;
    generatePassword?: true | undefined;
  }) {
    await this.cameraExists(req.id);
    const current = this.users.usersOf(req.id).list.find((u) => u.username === req.username);
    if (!current) throw new NotFoundError(`camera ${req.id} has no ONVIF user "${req.username}"`);
    const level = req.level ?? current.level;
    const password = req.generatePassword ? generatePassword() : req.password;
    await this.apply(req.id, { kind: 'setUsers', users: [{ username: req.username, password, level }] });
    this.logger.log({
      msg: 'ONVIF user changed',
      cameraId: req.id,
      username: req.username,
      level,
      passwordChanged: password !== undefined,
    });
    const user = { username: req.username, level };
    return req.generatePassword ? { user, password } : { user };
  }

  async remove(req: { id: string; username: string }) {
    await this.cameraExists(req.id);
    await this.apply(req.id, { kind: 'deleteUsers', usernames: [req.username] });
    this.logger.log({ msg: 'ONVIF user removed', cameraId: req.id, username: req.username });
    return { username: req.username };
  }

  /** The ONVIF rules' faults as the contract's errors: a missing user 404, a refused change 409. */
  private async apply(id: string, change: UserChange): Promise<void> {
    try {
      await this.users.change(id, change);
    } catch (err) {
      if (!(err instanceof SoapFault)) throw err;
      if (err.subcodes.includes('UsernameMissing')) throw new NotFoundError(err.reason);
      if (err.code === 'Sender' && err.subcodes.includes('OperationProhibited'))
        throw new ConflictError(`${err.subcodes.at(-1)}: ${err.reason}`);
      if (err.code === 'Sender') throw new InvalidRequestError(err.reason);
      throw new ConflictError(err.reason);
    }
  }

  private async cameraExists(id: string): Promise<void> {
    const entry = await this.cameras.kv.get(id);
    if (!entry || entry.operation !== 'PUT') throw new NotFoundError(`no camera ${id}`);
  }
}

function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
