// After `vite build`: a gzip copy (NAME.gz) of every compressible asset, which `gongzhi serve`
// sends to browsers that accept gzip (a villager's phone on a slow connection gets ~300 KB of
// map library instead of ~1 MB).
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const dir = path.resolve(process.argv[2] ?? "dist/assets");
for (const name of fs.readdirSync(dir)) {
  if (!/\.(js|css|svg|json|html)$/.test(name)) continue;
  const file = path.join(dir, name);
  const raw = fs.readFileSync(file);
  if (raw.length < 1024) continue;
  const gz = zlib.gzipSync(raw, { level: 9 });
  if (gz.length < raw.length * 0.9) fs.writeFileSync(file + ".gz", gz);
}
