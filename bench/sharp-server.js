// A small sharp-based thumbnail server, the peer of `pictor serve` in bench/run-http.sh:
//   node sharp-server.js PORT DIR      GET /thumb/NAME?w=320  ->  JPEG q80 of DIR/NAME, w px wide
// It reads the original from disk for every request (no cache), like a Pictor cache miss.
const http = require('http');
const path = require('path');
const sharp = require(path.join(__dirname, '.node/node_modules/sharp'));
const [port, dir] = process.argv.slice(2);
sharp.cache(false);
sharp.concurrency(1);  // one libvips thread per image; node's libuv pool runs images in parallel

http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const name = path.basename(decodeURIComponent(url.pathname.replace(/^\/thumb\//, '')));
  const width = Number(url.searchParams.get('w') || 320);
  try {
    const out = await sharp(path.join(dir, name), { failOn: 'none' }).rotate().resize({ width })
      .jpeg({ quality: 80 }).toBuffer();
    res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': out.length });
    res.end(out);
  } catch (error) {
    res.writeHead(422, { 'Content-Type': 'text/plain' });
    res.end(String(error.message));
  }
}).listen(Number(port), '127.0.0.1', () => console.log(`sharp-server: listening on http://127.0.0.1:${port}`));
