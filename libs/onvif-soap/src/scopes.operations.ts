import {
  configurableScopes,
  fixedScopes,
  isFixedScope,
  MAX_CONFIGURABLE_SCOPES,
  ScopeUriSchema,
} from '@desk-onvif/contracts';
import type { Operation, OperationContext } from './operation.types.js';
import { claimedProfiles } from './profile.claims.js';
import { Faults, SoapFault } from './soap.fault.js';
import { esc } from './xml.js';

/**
 * Device scopes (ONVIF Core 8.3.2-8.3.5): GetScopes, SetScopes, AddScopes, RemoveScopes. The list is
 * `cameraScopes` of libs/contracts, the one WS-Discovery announces; the configurable part is kept in
 * the camera record (`scopes`, through the registry), so discovery follows a change at once.
 */

function itemsOf(ctx: OperationContext, local: 'Scopes' | 'ScopeItem'): string[] {
  const items = ctx.request.children.filter((c) => c.local === local).map((c) => c.text.trim());
  if (items.length === 0) throw Faults.invalidArgs(`no ${local}`);
  return items;
}

/** Scopes a client may set: URIs without whitespace, none of the fixed categories. */
function checkSettable(items: readonly string[]): void {
  for (const s of items) {
    if (isFixedScope(s))
      throw Faults.operationProhibited('ScopeOverwrite', `${s} is a fixed scope of this device`);
    if (!ScopeUriSchema.safeParse(s).success)
      throw Faults.invalidArgVal('InvalidArgVal', `"${s}" is not a scope URI (one URI, no spaces)`);
  }
}

function tooMany(n: number): SoapFault {
  return new SoapFault(
    'Receiver',
    ['Action', 'TooManyScopes'],
    `${n} configurable scopes: at most ${MAX_CONFIGURABLE_SCOPES}`,
  );
}

const unique = (items: readonly string[]) => [...new Set(items)];

export const scopeOperations: Operation[] = [
  {
    service: 'device',
    name: 'GetScopes',
    access: 'READ_SYSTEM',
    handle: (ctx) => {
      const item = (def: string) => (s: string) =>
        `<tds:Scopes><tt:ScopeDef>${def}</tt:ScopeDef><tt:ScopeItem>${esc(s)}</tt:ScopeItem></tds:Scopes>`;
      return {
        body:
          `<tds:GetScopesResponse>` +
          fixedScopes(ctx.camera, claimedProfiles(ctx.features)).map(item('Fixed')).join('') +
          configurableScopes(ctx.camera).map(item('Configurable')).join('') +
          `</tds:GetScopesResponse>`,
      };
    },
  },
  {
    service: 'device',
    name: 'SetScopes',
    access: 'WRITE_SYSTEM',
    // Replaces every configurable scope (the default name and location too).
    handle: (ctx) => {
      const scopes = unique(itemsOf(ctx, 'Scopes'));
      checkSettable(scopes);
      if (scopes.length > MAX_CONFIGURABLE_SCOPES) throw tooMany(scopes.length);
      return { body: `<tds:SetScopesResponse/>`, effect: { kind: 'scopes', scopes } };
    },
  },
  {
    service: 'device',
    name: 'AddScopes',
    access: 'WRITE_SYSTEM',
    handle: (ctx) => {
      const added = itemsOf(ctx, 'ScopeItem');
      checkSettable(added);
      const scopes = unique([...configurableScopes(ctx.camera), ...added]);
      if (scopes.length > MAX_CONFIGURABLE_SCOPES) throw tooMany(scopes.length);
      return { body: `<tds:AddScopesResponse/>`, effect: { kind: 'scopes', scopes } };
    },
  },
  {
    service: 'device',
    name: 'RemoveScopes',
    access: 'WRITE_SYSTEM',
    handle: (ctx) => {
      const removed = unique(itemsOf(ctx, 'ScopeItem'));
      const current = configurableScopes(ctx.camera);
      for (const s of removed) {
        if (isFixedScope(s)) throw Faults.operationProhibited('FixedScope', `${s} is a fixed scope`);
        if (!current.includes(s)) throw Faults.invalidArgVal('NoScope', `the device has no scope ${s}`);
      }
      return {
        body:
          `<tds:RemoveScopesResponse>` +
          removed.map((s) => `<tds:ScopeItem>${esc(s)}</tds:ScopeItem>`).join('') +
          `</tds:RemoveScopesResponse>`,
        effect: { kind: 'scopes', scopes: current.filter((s) => !removed.includes(s)) },
      };
    },
  },
];
