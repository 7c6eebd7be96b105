// Engine addresses as a user types them (DOCKER_HOST's forms): checked before they reach the settings, so a typo
// is answered in the input box rather than by an Images view that cannot connect.

/** Undefined when `text` is an engine address; else a sentence saying what is wrong and what would do. */
export function checkEngineAddress(text: string): string | undefined {
  const address = text.trim();
  if (!address) return 'Type an address: unix:///path/to/docker.sock, tcp://host:2376 or ssh://user@host.';
  if (/\s/.test(address)) return 'An engine address has no spaces.';
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(address)?.[1]?.toLowerCase();
  if (!scheme) return 'Start with unix://, tcp:// or ssh:// (for a socket: unix:///var/run/docker.sock).';
  if (scheme === 'unix') {
    const socket = address.slice('unix://'.length);
    return socket.startsWith('/') ? undefined : 'A unix address names a socket by its absolute path: unix:///var/run/docker.sock.';
  }
  if (scheme === 'npipe') return undefined;
  if (scheme !== 'tcp' && scheme !== 'ssh') return `"${scheme}://" is not an engine address; use unix://, tcp:// or ssh://.`;
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return 'That address cannot be read; try tcp://host:2376 or ssh://user@host.';
  }
  if (!url.hostname) return 'The address names no host.';
  if (url.pathname && url.pathname !== '/') return 'An engine address ends at the host and port, with no path.';
  if (scheme === 'tcp' && !url.port) return 'A tcp address needs a port: tcp://host:2375 (plain) or tcp://host:2376 (TLS).';
  return undefined;
}
