// sharp's side of the thumbnail benchmark: node sharp-batch.js FORMAT JOBS OUT_DIR FILE...
// One process, JOBS images in flight, one libvips thread per image (sharp's default on glibc).
const path = require('path');
const sharp = require(path.join(__dirname, '.node/node_modules/sharp'));
const [format, jobs, outDir, ...files] = process.argv.slice(2);
sharp.concurrency(1);
sharp.cache(false);
let next = 0;
let failed = 0;
async function worker() {
  while (next < files.length) {
    const file = files[next++];
    const out = path.join(outDir, path.basename(file, path.extname(file)) + '.' + format);
    try {
      const pipeline = sharp(file, { failOn: 'none' }).rotate().resize({ width: 320 });
      await (format === 'webp' ? pipeline.webp({ quality: 80 }) : pipeline.jpeg({ quality: 80 })).toFile(out);
    } catch (error) {
      failed++;
      console.error(`${file}: ${error.message}`);
    }
  }
}
Promise.all(Array.from({ length: Number(jobs) }, worker)).then(() => process.exit(failed ? 1 : 0));
