"""Benchmark: search on a 100,000-product PostgreSQL catalog, in the service and through HTTP.

    .venv/bin/python -m tests.bench.bench_search

Times (median, p95) a search for a common word, for a rare word, a misspelling (which computes
did-you-mean), and suggestions for a 3-letter prefix: first the service calls (the database
work, product cards included), then the same through HTTP (the API served by granian on a free
loopback port, timed with httpx). Every SQL statement of each call is EXPLAINed; any sequential
scan over products or product_variants is reported. The last line is one JSON object.
Targets: p95 < 20 ms (database), < 60 ms (HTTP).
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlmodel import Session

from tests.bench.common import ensure_catalog, figures, report, serve_api, timings

ROOT = Path(__file__).resolve().parents[2]
REPEAT = int(os.environ.get("MARQUE_BENCH_REPEAT", "60"))
SEQ_SCANS = ("Seq Scan on products", "Seq Scan on product_variants")


def _cases(session: Session) -> dict[str, tuple[str, str]]:
    """name -> (kind, text). The rare word is a generated product's number (one match)."""
    name = session.execute(
        sa.text("SELECT name FROM products WHERE sku LIKE 'GEN-%' ORDER BY sku DESC LIMIT 1")
    ).scalar_one()
    return {
        "common_word": ("search", "cotton"),
        "rare_word": ("search", name.rsplit(" ", 1)[1]),
        "misspelling": ("search", "cottn candel"),
        "suggest_3_letters": ("suggest", "can"),
    }


def _call(session: Session, kind: str, text: str):
    from marque_app.services.search import search, suggest

    if kind == "search":
        return search(session=session, query=text)
    return suggest(session=session, prefix=text)


def _explain(engine: sa.Engine, kind: str, text: str) -> list[str]:
    """The plans of every statement one call runs; the lines naming a sequential scan over
    products or variants."""
    statements: list[tuple[str, object]] = []

    def _record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", _record)
    try:
        with Session(engine) as session:
            _call(session, kind, text)
    finally:
        sa.event.remove(engine, "before_cursor_execute", _record)
    found = []
    with engine.connect() as conn:
        conn.exec_driver_sql("SET pg_trgm.similarity_threshold = 0.2")
        for statement, parameters in statements:
            plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
            found += [line.strip() for line in plan.splitlines() if any(s in line for s in SEQ_SCANS)]
    return found


def main() -> None:
    from marque_app.services.db import make_engine

    url = ensure_catalog("marque_bench_search")
    engine = make_engine(url)
    results: dict[str, dict] = {}
    seq_scans: dict[str, list[str]] = {}
    try:
        with Session(engine) as session:
            session.execute(sa.text("ANALYZE search_terms"))
            cases = _cases(session)
            for name, (kind, text) in cases.items():
                outcome = _call(session, kind, text)
                session.rollback()
                samples = timings(lambda k=kind, t=text: (_call(session, k, t), session.rollback()), repeat=REPEAT)
                results[f"db_{name}"] = figures(samples)
                if kind == "search":
                    results[f"db_{name}"].update(
                        total=outcome.total, capped=outcome.total_is_capped, did_you_mean=outcome.did_you_mean
                    )
                else:
                    results[f"db_{name}"].update(suggestions=len(outcome))
                seq_scans[name] = _explain(engine, kind, text)
                print(name, text, results[f"db_{name}"], flush=True)
        with serve_api(url) as base, httpx.Client(base_url=base, timeout=10) as client:
            for name, (kind, text) in cases.items():
                path = "/api/v1/products/search" if kind == "search" else "/api/v1/search/suggestions"

                def get(p=path, t=text):
                    resp = client.get(p, params={"q": t})
                    assert resp.status_code == 200, resp.text[:200]

                results[f"http_{name}"] = figures(timings(get, repeat=REPEAT))
                print(f"http {name}", results[f"http_{name}"], flush=True)
    finally:
        engine.dispose()
    for name, lines in seq_scans.items():
        for line in lines:
            print(f"SEQ SCAN in {name}: {line}", flush=True)
    db_p95 = max(v["p95_ms"] for k, v in results.items() if k.startswith("db_"))
    http_p95 = max(v["p95_ms"] for k, v in results.items() if k.startswith("http_"))
    report(
        "search",
        median_ms=max(v["median_ms"] for v in results.values()),
        p95_ms=max(db_p95, http_p95),
        db_p95_max_ms=db_p95,
        http_p95_max_ms=http_p95,
        targets_met=db_p95 < 20 and http_p95 < 60,
        seq_scans=sum(len(v) for v in seq_scans.values()),
        **results,
    )


if __name__ == "__main__":
    main()
