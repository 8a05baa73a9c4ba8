"""How fast the large-catalog generator fills PostgreSQL.

Run: ``.venv/bin/python -m tests.bench.bench_catalog_fill [--products 100000]``. It builds a
scratch database on the server in MARQUE_BENCH_DATABASE_URL, migrates it, loads the demo store,
adds the generated products, prints the figures and drops the database.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlmodel import Session

from marque_app.services import migrations
from marque_app.services.db import make_engine
from marque_app.services.generator import generate
from marque_app.services.seed import load_demo
from tests.bench.common import report, server_url
from tests.dbutil import scratch_database


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=100_000)
    args = parser.parse_args()
    import os

    os.environ["MARQUE_TEST_DATABASE_URL"] = server_url()
    with scratch_database(Path(tempfile.gettempdir())) as url:
        migrations.upgrade(url)
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                load_demo(session=session, write_images=False)
                session.commit()
                started = time.perf_counter()
                result = generate(session=session, products=args.products)
                seconds = time.perf_counter() - started
        finally:
            engine.dispose()
    print(f"generated {result['products']} products, {result['variants']} variants in {seconds:.1f} s")
    report(
        "catalog_fill",
        products=result["products"],
        variants=result["variants"],
        seconds=round(seconds, 2),
        products_per_s=round(result["products"] / seconds),
        build_s=result["build_s"],
        write_s=result["write_s"],
    )


if __name__ == "__main__":
    main()
