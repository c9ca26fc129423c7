/**
 * Which requests the app answers: those addressed to it, from its own page or
 * from a program, never those a web page on another site makes a browser send.
 *
 * A page on any website can make the browser POST to `http://127.0.0.1:8000/`
 * (a form, or a `fetch` in `no-cors` mode needs no permission), and a website
 * whose name is made to resolve to 127.0.0.1 ("DNS rebinding") can even read
 * the answers. As Jupyter does against both, the app refuses a request whose
 * `Host` header is not one of its own addresses, and one whose `Origin`
 * header (sent by browsers with every cross-site POST) is not its own page's
 * origin. Programs such as curl send no `Origin` and the right `Host`.
 *
 * @module
 */

/** Names by which a browser on this machine reaches the app. */
const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];
/** Interfaces meaning "every address of this machine". */
const WILDCARD_HOSTS = ["0.0.0.0", "::", "[::]", ""];
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
/** The port of an http URL that names none. */
const HTTP_PORT = 80;

/** The addresses the app answers to. */
export interface OriginPolicy {
  /** The port it listens on. */
  port: number;
  /** Host names (lower case, IPv6 in brackets) it answers to. */
  names: ReadonlySet<string>;
  /** Listening on every interface: any IP address of the machine is its own (names other than its own are not). */
  anyIpAddress: boolean;
}

/** Why a request was refused. */
export interface Refusal {
  code: "forbidden_host" | "forbidden_origin";
  message: string;
}

/** The policy of an app listening on `host`:`port`. */
export function originPolicy(host: string, port: number): OriginPolicy {
  const wildcard = WILDCARD_HOSTS.includes(host);
  const names = new Set(LOOPBACK_NAMES);
  if (wildcard) names.add(Deno.hostname().toLowerCase());
  else names.add(host.includes(":") && !host.startsWith("[") ? `[${host.toLowerCase()}]` : host.toLowerCase());
  return { port, names, anyIpAddress: wildcard };
}

/** Host name and port of `http://<authority>`, or null when it is not one. */
function parseAuthority(authority: string): { hostname: string; port: number } | null {
  try {
    const url = new URL(`http://${authority}`);
    if (url.username || url.password || url.pathname !== "/" || url.search || url.hash) return null;
    return { hostname: url.hostname.toLowerCase(), port: url.port ? Number(url.port) : HTTP_PORT };
  } catch {
    return null;
  }
}

function isOwnAddress(policy: OriginPolicy, address: { hostname: string; port: number }): boolean {
  if (address.port !== policy.port) return false;
  if (policy.names.has(address.hostname)) return true;
  return policy.anyIpAddress && (IPV4.test(address.hostname) || address.hostname.startsWith("["));
}

/** Why the app must not answer `request`, or `null` when it may. */
export function refusal(request: Request, policy: OriginPolicy): Refusal | null {
  const host = request.headers.get("host");
  const hostAddress = host === null ? null : parseAuthority(host);
  if (!hostAddress || !isOwnAddress(policy, hostAddress)) {
    return {
      code: "forbidden_host",
      message: `the Host header ${JSON.stringify(host)} is not an address of this app; open it at ` +
        `http://127.0.0.1:${policy.port}/ (or http://localhost:${policy.port}/)`,
    };
  }
  const origin = request.headers.get("origin");
  if (origin === null) return null;
  let originAddress: { hostname: string; port: number } | null = null;
  try {
    const url = new URL(origin);
    if (url.protocol === "http:") originAddress = parseAuthority(url.host);
  } catch {
    // "null" (a sandboxed frame, a file:// page) and anything unparsable
  }
  if (!originAddress || !isOwnAddress(policy, originAddress)) {
    return {
      code: "forbidden_origin",
      message: `requests from pages of ${JSON.stringify(origin)} are refused: only the app's own page ` +
        `(http://127.0.0.1:${policy.port}/) and programs without an Origin header may use the API`,
    };
  }
  return null;
}
