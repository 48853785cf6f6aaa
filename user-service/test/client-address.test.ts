import { clientAddressKey } from '../src/http/client-address';

// The key the login throttle counts a client under (req.ip -> one bucket per IPv4 address or IPv6 /64).
describe('clientAddressKey', () => {
  test.each([
    ['198.51.100.7', '198.51.100.7'],
    ['::ffff:198.51.100.7', '198.51.100.7'],
    ['::FFFF:c633:6407', '198.51.100.7'],
    ['2001:db8:a:b:c:d:e:f', '2001:db8:a:b::/64'],
    ['2001:DB8:A:B::1', '2001:db8:a:b::/64'],
    ['2001:db8:0:b::', '2001:db8:0:b::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    ['not an address', 'unknown'],
    ['', 'unknown'],
    [undefined, 'unknown'],
  ])('when the address is %p, then it counts as %p', (ip, key) => {
    expect(clientAddressKey(ip)).toBe(key);
  });
});
