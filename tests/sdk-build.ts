import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Builds sdk/dist unless it is already newer than every source file. Several test files need it
 * and run at the same time, so a lock directory makes one build while the others wait.
 */
export async function buildSdk(): Promise<void> {
  const lock = join(tmpdir(), 'mailadmin-sdk-build.lock');
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - started > 60_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    const src = join(root, 'sdk', 'src');
    const fresh = readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .every((file) => {
        const built = join(root, 'sdk', 'dist', file.replace(/\.ts$/, '.js'));
        const types = built.replace(/\.js$/, '.d.ts');
        const changed = statSync(join(src, file)).mtimeMs;
        return existsSync(built) && existsSync(types) && statSync(built).mtimeMs >= changed && statSync(types).mtimeMs >= changed;
      });
    if (!fresh) execFileSync('npm', ['run', 'build', '--workspace', 'sdk'], { cwd: root, stdio: 'pipe' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
