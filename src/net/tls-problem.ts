// A TLS certificate that could not be verified, said for people: which origin, why, and that
// NODE_EXTRA_CA_CERTS is how a private CA (a company's, or a TLS-inspecting proxy's) is trusted.
// Without it the person sees undici's bare "fetch failed".

/** OpenSSL's verification codes (Node's err.code) and Node's own host-name mismatch. */
const CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function certificateError(error: unknown): (Error & { code: string }) | undefined {
  // undici wraps the socket's error (fetch failed → cause); walk a few causes down.
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && CERT_CODES.has(code)) return current as Error & { code: string };
    current = current.cause;
  }
  return undefined;
}

/** A sentence naming the certificate problem at `url`, or undefined when `error` is another one. */
export function certificateProblem(error: unknown, url: string | URL): string | undefined {
  const found = certificateError(error);
  if (!found) return undefined;
  let where: string;
  try {
    where = new URL(url).host;
  } catch {
    where = String(url);
  }
  const remedy =
    found.code === 'ERR_TLS_CERT_ALTNAME_INVALID'
      ? 'Check the URL: the certificate is for another name.'
      : 'If your network or your Hostsmith uses a private certificate authority, set NODE_EXTRA_CA_CERTS to its certificate (a PEM file) in the environment of hostsmith-mcp (the "env" of its entry in your MCP host).';
  return `The TLS certificate of ${where} could not be verified (${found.message}; ${found.code}). ${remedy}`;
}
