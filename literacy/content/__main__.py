"""``python -m literacy.content check [PATH...]`` and ``list [--json] [PATH...]``.

PATH is a module folder or a courses folder (glossary.yaml and module folders); the default is
``courses``. ``check`` prints every problem as ``path:line: message`` and exits 1 when there are any.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .courses import check_paths, module_summary, summary_line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m literacy.content", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check modules and print every problem")
    check.add_argument("paths", nargs="*", default=["courses"], metavar="PATH")
    listing = commands.add_parser("list", help="list the valid modules")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument("paths", nargs="*", default=["courses"], metavar="PATH")
    args = parser.parse_args(argv)

    result = check_paths(args.paths)
    if args.command == "check":
        for problem in result.problems:
            print(problem)
        print(summary_line(result.checked, len(result.problems)))
        return 1 if result.problems else 0

    summaries = [module_summary(m) for m in result.modules]
    for problem in result.problems:
        print(problem, file=sys.stderr)
    if args.json:
        print(json.dumps(summaries, indent=2, ensure_ascii=False))
    else:
        for s in summaries:
            print(f"{s['slug']}  {s['title']}  (edition {s['edition']}, {', '.join(s['languages'])}, "
                  f"{s['lesson_count']} lessons, {s['question_count']} questions)")
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
