"""HTTP baseline: throughput and latency of a bare JSON view and of the portal home page,
served by gunicorn (production settings) against SQLite, loaded from this machine.

    ./dev.sh bench http_baseline [--seconds 8] [--concurrency 8] [--workers 2]

Every later benchmark reports its figures as a ratio to the bare view measured in the same run,
because these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import load, production_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with production_server(workers=args.workers) as (port, _env):
        print(
            f"gunicorn, {args.workers} sync workers, SQLite; {args.concurrency} client threads, "
            f"{args.seconds:.0f} s per path"
        )
        baseline = load(port, "/api/v1/ping", concurrency=args.concurrency, seconds=args.seconds)
        print(baseline.line())
        for path in ("/", "/healthz"):
            print(
                load(port, path, concurrency=args.concurrency, seconds=args.seconds).line(baseline)
            )


if __name__ == "__main__":
    main()
