"""Nothing found: the suggestions are bounded work (at most ``MAX_TRIES`` counts within the
request's budget, whatever the request holds) and still real on the demo corpus; a count is
the total its search gives, on one index and on a sharded one."""
from __future__ import annotations

import pytest

from index import Deadline, QueryTimeout, SearchIndex, SearchRequest
from service.nothing_found import MAX_TRIES, try_without

AUTHORS = "".join(f"&author=Nobody+{i}" for i in range(20))
WORDS = "library qzxwvkjh harbour zzyzxq council"


@pytest.fixture
def calls(app, monkeypatch):
    """Count the engine's searches and counts during a request."""
    engine = app.extensions["search_index"]
    seen = {"search": 0, "count": 0}

    def counted(name):
        real = getattr(engine, name)

        def call(*args, **kwargs):
            seen[name] += 1
            return real(*args, **kwargs)
        return call
    for name in seen:
        monkeypatch.setattr(engine, name, counted(name))
    return seen


def test_many_filters_and_words_run_at_most_max_tries_counts(client, calls):
    url = (f"/search?q={WORDS.replace(' ', '+')}&op=and&kind=article&kind=quote&lang=en"
           f"&from=2030&to=2031{AUTHORS}&speaker=Nobody")
    body = client.get(url).get_json()
    assert body["total"] == 0 and body["try_without"] == []
    assert calls == {"search": 1, "count": MAX_TRIES}  # 3 + 21 + 5 tries were possible


def test_a_real_way_out_is_offered_with_its_total(client, calls):
    body = client.get("/search?q=harbour&kind=article&from=2030").get_json()
    assert body["total"] == 0 and calls == {"search": 1, "count": 2}  # the date, the kind
    alone = client.get("/search?q=harbour&kind=article").get_json()["total"]
    assert alone > 0
    assert {"param": "date", "value": "2030-01-01\u2013", "total": alone} \
        in body["try_without"]


def test_a_spent_budget_runs_no_count(searcher):
    req = SearchRequest(q="library qzxwvkjh", operator="and", kinds=("article",))
    assert try_without(searcher, req) == [
        {"param": "word", "value": "qzxwvkjh",
         "total": searcher.search(SearchRequest(q="library", operator="and",
                                                kinds=("article",))).total}]
    spent = Deadline(0.0)
    assert try_without(_Refusing(), req, spent) == []


def test_a_count_out_of_time_stops_the_tries(searcher):
    engine = _Timing()
    req = SearchRequest(q="library qzxwvkjh council", kinds=("article",))
    assert try_without(engine, req, Deadline(60.0)) == [] and engine.counts == 1


@pytest.mark.parametrize("kw", [
    {"q": "library"}, {"q": "library council", "operator": "and"},
    {"q": "council", "kinds": ("bio", "quote")}, {"q": "harbour", "day_from": 20230101},
    {"q": "qzxwvkjh"}, {"q": ""}, {"q": "library", "collapse": False}])
def test_a_count_is_the_total_of_its_search(searcher, sharded_demo, kw):
    req = SearchRequest(**kw)
    for engine in (searcher, sharded_demo):
        assert engine.count(req) == engine.search(req).total, (kw, engine)


@pytest.fixture(scope="module")
def sharded_demo(tmp_path_factory):
    import index
    from tests.conftest import DEMO, ROOT

    folder = str(tmp_path_factory.mktemp("sharded-demo"))
    index.rebuild(folder, [str(DEMO), str(ROOT / "tests" / "data")], shards=2)
    engine = SearchIndex(folder, cache_size=0)
    yield engine
    engine.close()


class _Refusing:
    def count(self, req, deadline=None):
        raise AssertionError("no count may start once the budget is spent")


class _Timing:
    counts = 0

    def count(self, req, deadline=None):
        self.counts += 1
        raise QueryTimeout("the budget ran out")
