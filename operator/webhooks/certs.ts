/**
 * Webhook serving certificates. node:crypto cannot issue X.509 certificates, so we shell out to
 * openssl (present wherever the operator image is built): a fresh CA and a serving certificate
 * signed by it, with the SANs the API server will dial (the Service DNS names, and 127.0.0.1
 * for the url-based test setup). Kept in a Secret so every replica serves the same pair.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertBundle {
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
}

export async function generateCerts(options: {
  dnsNames: string[];
  ips: string[];
  days: number;
  commonName: string;
}): Promise<CertBundle> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-webhook-'));
  const p = (f: string) => join(dir, f);
  try {
    const ossl = (args: string[]) => run('openssl', args, { cwd: dir });
    await ossl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      p('ca.key'),
      '-out',
      p('ca.crt'),
      '-days',
      String(options.days * 2),
      '-subj',
      '/CN=sluice-webhook-ca',
    ]);
    await ossl([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      p('tls.key'),
      '-out',
      p('tls.csr'),
      '-subj',
      `/CN=${options.commonName}`,
    ]);
    const san = [...options.dnsNames.map((d) => `DNS:${d}`), ...options.ips.map((i) => `IP:${i}`)].join(',');
    await writeFile(
      p('ext.cnf'),
      `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n`,
    );
    await ossl([
      'x509',
      '-req',
      '-in',
      p('tls.csr'),
      '-CA',
      p('ca.crt'),
      '-CAkey',
      p('ca.key'),
      '-CAcreateserial',
      '-out',
      p('tls.crt'),
      '-days',
      String(options.days),
      '-extfile',
      p('ext.cnf'),
    ]);
    const [caCert, caKey, cert, key] = await Promise.all(
      ['ca.crt', 'ca.key', 'tls.crt', 'tls.key'].map((f) => readFile(p(f), 'utf8')),
    );
    return { caCert: caCert!, caKey: caKey!, cert: cert!, key: key! };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Milliseconds until the certificate expires (negative when expired). */
export function remainingMs(certPem: string, nowMs: number): number {
  return Date.parse(new X509Certificate(certPem).validTo) - nowMs;
}

/** Whether the pair must be renewed: expiring within renewBeforeMs, or it lacks a required SAN. */
export function needsRenewal(
  bundle: CertBundle | null,
  nowMs: number,
  renewBeforeMs: number,
  requiredSans: string[],
): boolean {
  if (!bundle) return true;
  try {
    const x = new X509Certificate(bundle.cert);
    const sans = x.subjectAltName ?? '';
    if (requiredSans.some((s) => !sans.includes(s))) return true;
    return Date.parse(x.validTo) - nowMs < renewBeforeMs;
  } catch {
    return true;
  }
}
