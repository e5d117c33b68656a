/**
 * Signs a person in who may have a second factor, with the SDK's methods alone:
 *
 *   npm run build --workspace sdk
 *   npx tsx sdk/examples/second-factor.ts http://localhost:4000/graphql ada@mailadmin.test
 *
 * It asks for the password, and for a code when the person has a second factor: the 6 digits
 * their authenticator app shows, or one of their recovery codes. MAILADMIN_PASSWORD and
 * MAILADMIN_CODE answer those questions without asking (for scripts; the command line would show
 * them to other users of the machine). It prints the session token and who it signs in.
 */
import { stdin, stdout } from 'node:process';
import { createInterface } from 'node:readline/promises';
import { createClient } from '@mailadmin/sdk';

const [url, address] = process.argv.slice(2);
if (!url || !address) {
  process.stderr.write('usage: npx tsx sdk/examples/second-factor.ts <graphql url> <address>\n');
  process.exit(2);
}

async function ask(question: string, given: string | undefined): Promise<string> {
  if (given) return given;
  const prompt = createInterface({ input: stdin, output: stdout });
  try {
    return (await prompt.question(question)).trim();
  } finally {
    prompt.close();
  }
}

const anonymous = createClient({ url });
const password = await ask('Password: ', process.env.MAILADMIN_PASSWORD);
const loggedIn = await anonymous.logIn({ address, password });

/** The session of a person with a second factor: logIn answered a challenge, which a code completes. */
async function completeWithCode(challenge: string, expiresAt: string) {
  const code = await ask(`Code from your authenticator app or a recovery code (before ${expiresAt}): `, process.env.MAILADMIN_CODE);
  const completed = await anonymous.completeLogIn({ challenge, code });
  switch (completed.__typename) {
    case 'LogInSuccess':
      return completed;
    case 'RateLimitedError':
      throw new Error(`too many wrong codes; try again in ${completed.retryAfterSeconds} s`);
    case 'InvalidCredentialsError':
    case 'ForbiddenError':
      throw new Error(completed.message);
    default: {
      const unhandled: never = completed;
      throw new Error(`unexpected ${JSON.stringify(unhandled)}`);
    }
  }
}

/** logIn's result narrowed to a session, through completeLogIn when a second factor is asked for. */
async function signIn() {
  switch (loggedIn.__typename) {
    case 'LogInSuccess':
      return loggedIn;
    case 'SecondFactorRequired':
      return completeWithCode(loggedIn.challenge, loggedIn.expiresAt);
    case 'InvalidCredentialsError':
    case 'ForbiddenError':
    case 'RateLimitedError':
      throw new Error(`${loggedIn.__typename}: ${loggedIn.message}`);
    default: {
      const unhandled: never = loggedIn;
      throw new Error(`unexpected ${JSON.stringify(unhandled)}`);
    }
  }
}

const session = await signIn();
process.stdout.write(`Signed in ${session.viewer.user.address} (${session.viewer.user.role}); session token: ${session.token}\n`);
if (session.viewer.secondFactorMissing) {
  // The owner's policy requires a factor of this person: until it is confirmed, the session
  // can only enrol one (enrollSecondFactor, confirmSecondFactor), read `viewer` and log out.
  process.stdout.write('Your organization requires a second factor: enrol one before anything else.\n');
}
