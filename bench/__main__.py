"""`python -m bench` (`make bench`): every bench module with a `main()`, one after the other."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path


def main() -> int:
    """Run each benchmark with its defaults; one that fails is reported and the others still run."""
    names = sorted(
        module.name
        for module in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not module.ispkg and not module.name.startswith("_")
    )
    failed = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        run = getattr(module, "main", None)
        if not callable(run):
            continue
        print(f"== bench.{name}", flush=True)
        started = time.perf_counter()
        try:
            result = run()
        except Exception:
            traceback.print_exc()
            failed.append(name)
        else:
            if result is not None:
                print(result)
        print(f"== bench.{name}: {time.perf_counter() - started:.1f} s\n", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
