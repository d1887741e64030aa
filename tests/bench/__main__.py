"""Run every benchmark module in this folder (or those named on the command line), one after another."""
import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    chosen = [n for n in names if not argv or n in argv or n.removeprefix("bench_") in argv]
    if argv and not chosen:
        print(f"no benchmark named {' '.join(argv)}; there are: {', '.join(names)}", file=sys.stderr)
        return 2
    for name in chosen:
        print(f"\n=== {name} ===", flush=True)
        began = time.monotonic()
        importlib.import_module(f"tests.bench.{name}").main()
        print(f"=== {name}: {time.monotonic() - began:.0f} s ===", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
