import { isIPv4 } from 'node:net';

function toNumber(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

/** Whether an IPv4 address lies in an IPv4 CIDR block (`172.28.80.0/24`); false for anything malformed. */
export function inCidr(address: string, cidr: string): boolean {
  const [network = '', bitsText = ''] = cidr.split('/');
  const bits = Number(bitsText);
  if (!isIPv4(address) || !isIPv4(network) || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  const start = Math.floor(toNumber(network) / size) * size;
  const value = toNumber(address);
  return value >= start && value < start + size;
}
