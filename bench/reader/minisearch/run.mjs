// MiniSearch peer for the reader query set: index title and text of a JSON Lines corpus
// (fields id, title, text), then answer one query a line on stdin with the top K ids as a
// JSON array a line. Options as the issue fixes them: fuzzy 0.2, prefix true.
import fs from 'node:fs';
import zlib from 'node:zlib';
import readline from 'node:readline';
import MiniSearch from 'minisearch';

const [corpus, k = '10'] = process.argv.slice(2);
const raw = zlib.gunzipSync(fs.readFileSync(corpus)).toString('utf8');
const docs = [];
for (const line of raw.split('\n')) {
  if (!line.trim()) continue;
  try {
    const r = JSON.parse(line);
    docs.push({ id: String(r.id), title: r.title || '', text: r.text || '' });
  } catch { /* a bad line is skipped, as the other engines skip it */ }
}
const ms = new MiniSearch({ fields: ['title', 'text'], idField: 'id',
                            searchOptions: { fuzzy: 0.2, prefix: true } });
ms.addAll(docs);
const rl = readline.createInterface({ input: process.stdin });
for await (const q of rl) {
  const hits = ms.search(q).slice(0, Number(k));
  process.stdout.write(JSON.stringify(hits.map(h => [h.id, h.score])) + '\n');
}
