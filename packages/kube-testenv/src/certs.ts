import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of the PEM files a cluster's kube-apiserver is started with, and what clients need. */
export interface ClusterPki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  /** Signs and verifies the ServiceAccount tokens that TokenRequest hands out. */
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
  caCertPem: string;
  adminCertPem: string;
  adminKeyPem: string;
}

function ecKey(): { privateKey: string; publicKey: string } {
  // P-256: generated in milliseconds (RSA takes a noticeable fraction of a second per key), and
  // every party involved (Go's TLS, kube-apiserver's token signer, Node) accepts it.
  return generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error(
        'kube-testenv needs the openssl command to make its certificates (apt-get install openssl)',
        { cause: error },
      );
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`, { cause: error });
  }
}

/**
 * A fresh CA per cluster, a serving certificate for 127.0.0.1/localhost, and a client certificate
 * in group system:masters for the admin kubeconfig (RBAC lets that group do anything).
 */
export async function createClusterPki(dir: string): Promise<ClusterPki> {
  const file = (name: string) => path.join(dir, name);
  const keys = { ca: ecKey(), serving: ecKey(), admin: ecKey(), sa: ecKey() };
  await Promise.all([
    writeFile(file('ca.key'), keys.ca.privateKey, { mode: 0o600 }),
    writeFile(file('serving.key'), keys.serving.privateKey, { mode: 0o600 }),
    writeFile(file('admin.key'), keys.admin.privateKey, { mode: 0o600 }),
    writeFile(file('sa.key'), keys.sa.privateKey, { mode: 0o600 }),
    writeFile(file('sa.pub'), keys.sa.publicKey),
    writeFile(
      file('ext.cnf'),
      [
        '[ca]',
        'basicConstraints = critical, CA:TRUE',
        'keyUsage = critical, keyCertSign, cRLSign',
        'subjectKeyIdentifier = hash',
        '[serving]',
        'basicConstraints = critical, CA:FALSE',
        'keyUsage = critical, digitalSignature, keyEncipherment',
        'extendedKeyUsage = serverAuth',
        'subjectAltName = IP:127.0.0.1, DNS:localhost, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc',
        'authorityKeyIdentifier = keyid',
        '[client]',
        'basicConstraints = critical, CA:FALSE',
        'keyUsage = critical, digitalSignature, keyEncipherment',
        'extendedKeyUsage = clientAuth',
        'authorityKeyIdentifier = keyid',
        '',
      ].join('\n'),
    ),
  ]);
  await openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-subj',
      '/CN=outpost-kube-testenv-ca',
      '-days',
      '30',
      '-extensions',
      'ca',
      '-config',
      'ext.cnf',
      '-out',
      'ca.crt',
    ],
    dir,
  );
  const sign = async (name: string, subject: string, extensions: string) => {
    await openssl(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`], dir);
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '30',
        '-extfile',
        'ext.cnf',
        '-extensions',
        extensions,
        '-out',
        `${name}.crt`,
      ],
      dir,
    );
  };
  await sign('serving', '/CN=kube-apiserver', 'serving');
  await sign('admin', '/O=system:masters/CN=admin', 'client');
  return {
    caCert: file('ca.crt'),
    caKey: file('ca.key'),
    servingCert: file('serving.crt'),
    servingKey: file('serving.key'),
    adminCert: file('admin.crt'),
    adminKey: file('admin.key'),
    serviceAccountKey: file('sa.key'),
    serviceAccountPublicKey: file('sa.pub'),
    caCertPem: await readFile(file('ca.crt'), 'utf8'),
    adminCertPem: await readFile(file('admin.crt'), 'utf8'),
    adminKeyPem: keys.admin.privateKey,
  };
}
