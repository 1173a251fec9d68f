"""What editors steer (issue 25): does a search cost more with 100 rules and a widget key?

    python -m bench.steering            FakeNewsNet (all 17,334 lines), 300 queries, 7 rounds
    python -m bench.steering --quick    first 2,000 lines, 150 queries, 5 rounds

In this process, through the Flask test client (the whole /search view: parameters, rules,
engine, JSON), the response cache off so that every search is computed. Modes, alternated
round by round so that the machine's other work falls on all of them alike:

    none        no editors' file
    rules       100 rules, each pinning one document and hiding another: exact-query rules
                on a third of the measured queries, and exact and word rules on queries of
                another sample (which match others now and then)
    rules+key   the same, each search sent with a widget key fixing both sites of the
                corpus (its first half is "gazette", the rest "courier"): the key is checked
                and its filters applied, the results are the same

Queries are measured in two sets: those no rule matches (the rules' overhead on a search
they do not change) and those a rule matches (their answers differ: pins and hides are
applied). Reported per mode and set: the median over rounds of the mean CPU ms per search
(and wall ms), the difference against "none", and the spread of "none" between rounds (the
noise). Then the rules' own cost per search, matching a query against the 100 rules
(``rules_views.steer``), in microseconds.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .loadgen import Skip, fakenews, sample_queries, save, title_words, write_lines

QUICK_LINES = 2000
TOKEN = "bench-admin-token-0123456789"


def make_rules(measured: list[str], others: list[str], doc_ids: list[str],
               n: int = 100) -> list[dict]:
    """Return ``n`` rules: exact rules on a third of ``measured``, then exact and word
    rules on ``others``."""
    rng = random.Random(25)
    texts = [("query", q) for q in measured[::3]]
    texts += [("query", q) if i % 2 else ("word", max(q.split(), key=len))
              for i, q in enumerate(others)]
    rules, used = [], set()
    for match, text in texts:
        if len(rules) == n:
            break
        if text not in used:
            used.add(text)
            pin, hide = rng.sample(doc_ids, 2)
            rules.append({"query": text, "match": match, "pin": [pin], "hide": [hide]})
    return rules


def build_sites(tmp: Path, corpus: Path) -> dict:
    """Build ``corpus`` as two sites (its first half "gazette", the rest "courier")."""
    import subprocess

    lines = corpus.read_text(encoding="utf-8").splitlines(keepends=True)
    half = len(lines) // 2
    (tmp / "gazette.jsonl").write_text("".join(lines[:half]), encoding="utf-8")
    (tmp / "courier.jsonl").write_text("".join(lines[half:]), encoding="utf-8")
    code = ("import json, sys, index\n"
            "r = index.rebuild(sys.argv[1], sys.argv[2:], workers=2)\n"
            "print(json.dumps({'counts': r.counts}))\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp / "index"),
                          f"gazette={tmp / 'gazette.jsonl'}", f"courier={tmp / 'courier.jsonl'}"],
                         capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    return json.loads(out.stdout.splitlines()[-1])


def run_block(client, queries: list[str], extra: dict) -> tuple[float, float]:
    """Search every query once; return (CPU ms, wall ms) per search."""
    cpu, wall = time.process_time(), time.perf_counter()
    for q in queries:
        res = client.get("/search", query_string={"q": q, **extra})
        assert res.status_code == 200, res.json
    n = len(queries)
    return ((time.process_time() - cpu) * 1000 / n, (time.perf_counter() - wall) * 1000 / n)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    lines = QUICK_LINES if args.quick else None
    n_queries, rounds = (150, 5) if args.quick else (300, 7)
    try:
        src = fakenews()
    except Skip as exc:
        print(f"steering: skipped ({exc})")
        return 0
    from service import create_app
    from service.rules import make_rule

    with tempfile.TemporaryDirectory(prefix="bench-steering-") as tmp:
        corpus = write_lines(src, Path(tmp) / "corpus.jsonl", 0, lines)
        built = build_sites(Path(tmp), corpus)
        titles = title_words(corpus)
        queries = sample_queries(titles, n_queries)
        others = [q for q in sample_queries(titles, 3 * n_queries, seed=2525)
                  if q not in queries]
        app = create_app({"INDEX_DIR": str(Path(tmp) / "index"), "CACHE_SIZE": 0,
                          "ADMIN_TOKEN": TOKEN, "RULES_FILE": str(Path(tmp) / "editor.json")})
        client = app.test_client()
        doc_ids = sorted({r["id"] for q in queries[:40]
                          for r in client.get("/search", query_string={"q": q}).json["results"]})
        rules = make_rules(queries[:n_queries], others, doc_ids)
        stored = [make_rule(r, time.time()).to_json() for r in rules]
        state = app.extensions["editor"]

        def use(mode: str) -> None:
            state.update(lambda d: d.update(rules=stored if mode != "none" else []))
            state._due = 0.0

        use("rules")
        hit = [q for q in queries if state.view().rules.match(q, time.time()).rules]
        sets = {"no rule": [q for q in queries if q not in hit], "a rule": hit}
        from service.rules_views import steer
        from index import SearchRequest
        reqs = [SearchRequest(q=q) for q in queries]
        with app.app_context():
            started = time.perf_counter()
            for _ in range(20):
                for req in reqs:
                    steer(req)
            steer_us = (time.perf_counter() - started) * 1e6 / (20 * len(reqs))
        key = client.post("/admin/keys", json={"site": ["gazette", "courier"]},
                          headers={"Authorization": f"Bearer {TOKEN}"}).json["key"]
        modes = {"none": {}, "rules": {}, "rules+key": {"key": key}}
        times: dict[tuple[str, str], list[tuple[float, float]]] = {
            (m, name): [] for m in modes for name in sets}
        run_block(client, queries, {})  # warm: postings, vocabulary
        for _ in range(rounds):
            for mode, extra in modes.items():
                use(mode)
                for name, subset in sets.items():
                    times[mode, name].append(run_block(client, subset, extra))
        app.extensions["search_index"].close()
    return report(built, {k: len(v) for k, v in sets.items()}, rounds, times, steer_us,
                  args.quick)


def report(built: dict, sizes: dict[str, int], rounds: int,
           times: dict[tuple[str, str], list[tuple[float, float]]], steer_us: float,
           quick: bool) -> int:
    rows: list[dict[str, Any]] = []
    print(f"\nsteering: {built['counts']} documents, queries {sizes}, {rounds} rounds, "
          "cache off")
    print(f"{'queries':<10}{'mode':<11}{'CPU ms/search':>15}{'wall ms':>10}{'vs none':>10}"
          f"{'noise':>8}")
    for (mode, name), runs in times.items():
        none = [c for c, _ in times["none", name]]
        base = statistics.median(none)
        noise = (max(none) - min(none)) / base
        cpu = statistics.median(c for c, _ in runs)
        wall = statistics.median(w for _, w in runs)
        rows.append({"queries": name, "mode": mode, "cpu_ms": round(cpu, 3),
                     "wall_ms": round(wall, 3), "vs_none": round(cpu / base - 1, 4),
                     "noise": round(noise, 4)})
        print(f"{name:<10}{mode:<11}{cpu:>15.3f}{wall:>10.3f}{cpu / base - 1:>+10.1%}"
              f"{noise:>8.1%}")
    print(f"matching a query against 100 rules (steer): {steer_us:.1f} µs a search")
    save("steering", {"documents": built["counts"], "queries": sizes, "rounds": rounds,
                      "modes": rows, "steer_us": round(steer_us, 2)}, quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
