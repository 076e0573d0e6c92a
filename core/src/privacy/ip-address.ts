/** Dotted-quad IPv4 literal; leading zeros are tolerated because some tools print `192.168.001.010`. */
export function isIpv4Literal(text: string): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  return parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}

/**
 * IPv6 literal in full, compressed (`2001:db8::1`) or IPv4-embedded (`::ffff:192.0.2.1`) form,
 * without brackets or zone id. The bare unspecified address `::` is rejected: in prose it is punctuation.
 */
export function isIpv6Literal(text: string): boolean {
  if (text === '::' || !text.includes(':')) return false;
  let groupsText = text;
  let embeddedIpv4Groups = 0;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isIpv4Literal(tail)) return false;
    // Keep the colon so "::1.2.3.4" still splits as a compressed address.
    groupsText = text.slice(0, lastColon + 1) + '0';
    embeddedIpv4Groups = 1;
  }
  const halves = groupsText.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map((half) => (half === '' ? [] : half.split(':')));
  if (!groups.every((list) => list.every((group) => /^[0-9A-Fa-f]{1,4}$/.test(group)))) return false;
  const count = groups.reduce((total, list) => total + list.length, 0) + embeddedIpv4Groups;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** A URL hostname that is an IP literal (`URL` keeps IPv6 hosts in brackets). */
export function isIpHost(hostname: string): boolean {
  if (hostname.startsWith('[') && hostname.endsWith(']')) return isIpv6Literal(hostname.slice(1, -1));
  return isIpv4Literal(hostname);
}
