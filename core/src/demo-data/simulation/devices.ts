import { UA_POOLS, type CountrySpec, type DeviceType, type UaFamily } from '../geo';
import type { Random } from '../random';

export interface Device {
  anonymousId: string;
  type: DeviceType;
  family: UaFamily;
  ua: string;
  homeIp: string;
  identified: boolean;
  lastSeen: number;
}

export function newIp(rng: Random, spec: CountrySpec): string {
  if (rng.chance(spec.ipv6Share)) {
    let s = rng.pick(spec.ipv6);
    for (let i = 0; i < 6; i++) s += ':' + (rng.uint32() & 0xffff).toString(16);
    return s;
  }
  const [a, b] = rng.pick(spec.ipv4);
  return `${a}.${b}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

export function newDevice(rng: Random, spec: CountrySpec, type: DeviceType): Device {
  const family = spec.browsers[type].pick(rng);
  return {
    anonymousId: rng.uuid(),
    type,
    family,
    ua: rng.pick(UA_POOLS[family]),
    homeIp: newIp(rng, spec),
    identified: false,
    lastSeen: 0,
  };
}
