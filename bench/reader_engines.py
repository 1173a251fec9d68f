"""The engines of the reader query set, and the blind pool their results are judged from.

Four engines answer every query of ``bench/reader/queries.tsv`` on its corpus:

    ours        the service defaults (what the widget sends: q, per_page=10), articles only
    FTS5        SQLite FTS5, porter unicode61, the words AND-ed (FTS5's own default)
    tantivy     en_stem over title and body, its query parser's default (OR)
    MiniSearch  npm, title and text, ``fuzzy: 0.2, prefix: true`` (bench/reader/minisearch)

The peers index each article's title and body as the service extracts them (same ids). ``pool`` writes
the top 5 of each engine, deduplicated and shuffled with a fixed seed, with no engine names,
to ``bench/reader/pool.tsv``; ``python -m bench.reader_engines judge QID...`` prints a
query's intent and its pooled documents (title and the opening of the text) for judging.
A pair already judged is never asked again, so re-pooling after a ranking change only adds
what is new.
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import index
from corpus import extract
from index import SearchIndex, SearchRequest

from .common import need
from .peers import Fts5, Tantivy

HERE = Path(__file__).resolve().parent / "reader"
QUERIES = HERE / "queries.tsv"
JUDGMENTS = HERE / "judgments.tsv"
POOL = HERE / "pool.tsv"
MINISEARCH = HERE / "minisearch"
CORPORA = {"fakenews": "fakenewsnet-articles/articles.jsonl.gz",
           "freenews": "free-news-demo/articles.jsonl.gz"}
POOL_DEPTH = 5
SEED = 22


def load_queries(path: Path = QUERIES) -> list[dict]:
    """Return the queries (id, corpus, lang, kind, query, intent, batch) in file order; a
    line ``# batch NAME: …`` starts a batch (the first is "first")."""
    names = ("id", "corpus", "lang", "kind", "query", "intent")
    rows, batch = [], "first"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# batch "):
            batch = line[len("# batch "):].split(":")[0].strip()
        elif line.strip() and not line.startswith("#"):
            rows.append({**dict(zip(names, line.split("\t"))), "batch": batch})
    return rows


def load_judgments(path: Path = JUDGMENTS) -> dict[str, dict[str, int]]:
    """Return {query id: {document id: grade 0/1/2}}."""
    judged: dict[str, dict[str, int]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                qid, doc, grade = line.split("\t")[:3]
                judged.setdefault(qid, {})[doc] = int(grade)
    return judged


def records(corpus: str) -> list[tuple[str, str, str]]:
    """Return (id, title, body) of every article of one corpus as the service extracts it
    (same ids, same text), each id once."""
    found = {r.id: (r.id, r.title, r.body) for r in extract([str(need(CORPORA[corpus]))])
             if r.kind == "article"}
    return list(found.values())


def write_records(docs: list[tuple[str, str, str]], path: Path) -> Path:
    """Write ``docs`` as gzipped JSON Lines (id, title, text): MiniSearch's input."""
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps({"id": d, "title": t, "text": b}) + "\n" for d, t, b in docs)
    return path


class Ours:
    """The service with its defaults, articles only (the peers hold only articles)."""

    name = "ours"

    def __init__(self, index_dir: str) -> None:
        # a budget no busy machine reaches: a timeout would judge the machine, not the ranking
        self.ix = SearchIndex(index_dir, cache_size=0, time_budget=60)

    def search(self, text: str, k: int = 10) -> list[str]:
        result = self.ix.search(SearchRequest(q=text, per_page=k, kinds=("article",),
                                              snippets=False, facets=False))
        return [hit.document.id for hit in result.hits]

    def close(self) -> None:
        self.ix.close()


class MiniSearch:
    """MiniSearch in a node process: the corpus is indexed once, queries go one a line."""

    name = "MiniSearch"

    def __init__(self, corpus_file: Path, k: int = 10) -> None:
        if not (MINISEARCH / "node_modules" / "minisearch").exists():
            subprocess.run(["npm", "ci", "--silent"], cwd=MINISEARCH, check=True)
        self.proc = subprocess.Popen(["node", str(MINISEARCH / "run.mjs"), str(corpus_file),
                                      str(k)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, encoding="utf-8")

    def search(self, text: str, k: int = 10) -> list[str]:
        self.proc.stdin.write(text.replace("\n", " ") + "\n")
        self.proc.stdin.flush()
        return [doc for doc, _ in json.loads(self.proc.stdout.readline())][:k]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


class _Peer:
    """FTS5 or tantivy behind the one ``search(text, k) -> ids`` call, with its default."""

    def __init__(self, engine, operator: str) -> None:
        self.engine, self.operator, self.name = engine, operator, engine.name

    def search(self, text: str, k: int = 10) -> list[str]:
        return [row[0] for row in self.engine.search(text, k, operator=self.operator)]

    def close(self) -> None:
        if hasattr(self.engine, "close"):
            self.engine.close()


def engines(corpus: str, tmp: Path, ours_dir: str | None = None, peers: bool = True) -> list:
    """Return the engines of one corpus, built in ``tmp`` (ours from ``ours_dir`` if given)."""
    if ours_dir is None:
        ours_dir = str(tmp / f"{corpus}-ours")
        index.rebuild(ours_dir, [str(need(CORPORA[corpus]))])
    found = [Ours(ours_dir)]
    if peers:
        docs = records(corpus)
        fts = Fts5(tmp / f"{corpus}.fts5")
        fts.build(docs)
        tan = Tantivy(tmp / f"{corpus}-tantivy")
        tan.build(docs)
        found += [_Peer(fts, "and"), _Peer(tan, "or"),
                  MiniSearch(write_records(docs, tmp / f"{corpus}-articles.jsonl.gz"))]
    return found


def runs(queries: list[dict], dirs: dict[str, str | None], peers: bool = True,
         k: int = 10) -> dict[str, dict[str, list[str]]]:
    """Return {engine: {query id: ranked ids}} for every query, each on its corpus."""
    out: dict[str, dict[str, list[str]]] = {}
    with tempfile.TemporaryDirectory(prefix="reader-") as tmp:
        for corpus in CORPORA:
            mine = [q for q in queries if q["corpus"] == corpus]
            if not mine:
                continue
            built = engines(corpus, Path(tmp), dirs.get(corpus), peers)
            try:
                for engine in built:
                    ranked = out.setdefault(engine.name, {})
                    for q in mine:
                        ranked[q["id"]] = engine.search(q["query"], k)
            finally:
                for engine in built:
                    engine.close()
    return out


def pool(queries: list[dict], ranked: dict[str, dict[str, list[str]]]) -> list[tuple[str, str]]:
    """Return the (query id, doc id) pairs not yet judged from every engine's top 5, shuffled
    per query (a fixed seed), with nothing saying which engine returned which."""
    judged = load_judgments()
    if POOL.exists():  # pooled before, still to judge
        for line in POOL.read_text(encoding="utf-8").splitlines():
            qid, doc = line.split("\t")
            judged.setdefault(qid, {})[doc] = -1
    pairs = []
    rnd = random.Random(SEED)
    for q in queries:
        docs = sorted({d for run in ranked.values() for d in run.get(q["id"], [])[:POOL_DEPTH]}
                      - set(judged.get(q["id"], {})))
        rnd.shuffle(docs)
        pairs += [(q["id"], d) for d in docs]
    return pairs


def show(qids: list[str], width: int = 500) -> None:
    """Print each query's intent and its pooled documents not yet judged, for judging."""
    queries = {q["id"]: q for q in load_queries()}
    judged = load_judgments()
    pooled = [line.split("\t") for line in POOL.read_text(encoding="utf-8").splitlines()]
    texts = {}
    for corpus in {queries[q]["corpus"] for q in qids}:
        texts.update({d: (t, b) for d, t, b in records(corpus)})
    for qid in qids:
        q = queries[qid]
        print(f"== {qid} [{q['kind']}] {q['query']!r}: {q['intent']}")
        for _, doc in (p for p in pooled if p[0] == qid and p[1] not in judged.get(qid, {})):
            title, body = texts.get(doc, ("?", ""))
            print(f"{qid}\t{doc}\t| {title[:150]} || {' '.join(body.split())[:width]}")


def main(argv: list[str] | None = None) -> int:
    """``pool [--fakenews DIR] [--freenews DIR]`` or ``judge QID...``."""
    parser = argparse.ArgumentParser(prog="python -m bench.reader_engines", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("pool", "judge"))
    parser.add_argument("qids", nargs="*")
    parser.add_argument("--fakenews", help="an existing FakeNewsNet index directory")
    parser.add_argument("--freenews", help="an existing free-news-demo index directory")
    parser.add_argument("--save", help="also write every engine's ranking to this JSON file")
    args = parser.parse_args(argv)
    if args.command == "judge":
        show(args.qids)
        return 0
    queries = load_queries()
    ranked = runs(queries, {"fakenews": args.fakenews, "freenews": args.freenews})
    if args.save:
        Path(args.save).write_text(json.dumps(ranked, indent=0), encoding="utf-8")
    append_pool(pool(queries, ranked))
    return 0


def append_pool(pairs: list[tuple[str, str]]) -> None:
    """Append (query id, doc id) pairs to judge to ``pool.tsv``."""
    with POOL.open("a", encoding="utf-8") as fh:
        fh.writelines(f"{qid}\t{doc}\n" for qid, doc in pairs)
    print(f"{len(pairs)} new pairs to judge appended to {POOL}")


if __name__ == "__main__":
    sys.exit(main())
