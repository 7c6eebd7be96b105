// Run by crash.test.ts in a child process: loads an archive into a store and reports progress on stdout,
// so the parent can kill -9 it in the middle.
import { BuiltinStore } from '../../../src/backend/store';

const [root, archive] = process.argv.slice(2);
new BuiltinStore(root)
  .loadArchive(archive, { onProgress: (p) => process.stdout.write(`${p.message}|${p.fraction ?? ''}\n`) })
  .then(() => process.stdout.write('done\n'))
  .catch((e: Error) => {
    process.stderr.write(e.message + '\n');
    process.exit(1);
  });
