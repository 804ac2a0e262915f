import { socketOwner } from './peer.owner.js';

// /proc/net/tcp as Linux writes it: a connection 127.0.0.1:51000 → 127.0.0.1:40000 of uid 1000,
// the other direction (the proxy's accepted socket) owned by uid 0, and the listener.
const TABLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:9C40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0
   1: 0100007F:C738 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 4343 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:9C40 0100007F:C738 01 00000000:00000000 00:00000000 00000000     0        0 4444 1 0000000000000000 20 4 30 10 -1
`;

describe('socketOwner', () => {
  it("reads the uid of the peer's own socket, not of the accepted one", () => {
    const client = { address: '127.0.0.1', port: 51000 };
    const server = { address: '127.0.0.1', port: 40000 };
    expect(socketOwner(TABLE, client, server)).toBe(1000);
    expect(socketOwner(TABLE, server, client)).toBe(0);
  });

  it('knows no owner for a connection not in the table', () => {
    expect(
      socketOwner(TABLE, { address: '127.0.0.1', port: 51001 }, { address: '127.0.0.1', port: 40000 }),
    ).toBe(undefined);
  });
});
