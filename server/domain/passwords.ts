import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * scrypt from Node's own crypto: a slow, salted, memory-hard hash with no native add-on to build.
 * The parameters travel with each hash (`scrypt$<logN>$<r>$<p>$<salt>$<key>`), so raising the cost
 * later keeps old hashes verifiable. OWASP's floor is N=2^17, r=8, p=1; tests lower it through
 * SCRYPT_LOG_N because they hash hundreds of passwords.
 */
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const options: ScryptOptions = { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r + 16 * 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function costFromEnv(): number {
  const value = Number(process.env.SCRYPT_LOG_N ?? 17);
  return Number.isInteger(value) && value >= 10 && value <= 20 ? value : 17;
}

export async function hashPassword(password: string): Promise<string> {
  const logN = costFromEnv();
  const salt = randomBytes(16);
  const key = await derive(password, salt, logN, 8, 1);
  return ['scrypt', logN, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [algorithm, logN, r, p, salt, key] = stored.split('$');
  if (algorithm !== 'scrypt' || !logN || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), Number(logN), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

let decoy: Promise<string> | undefined;
/**
 * Spends the same time as a real verification when the address is unknown, so the answer's
 * timing does not tell which addresses exist.
 */
export async function verifyAgainstDecoy(password: string): Promise<false> {
  decoy ??= hashPassword('decoy password that matches nothing');
  await verifyPassword(password, await decoy);
  return false;
}
