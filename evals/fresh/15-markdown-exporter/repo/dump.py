"""Usage: python3 dump.py --format FORMAT DATA.json"""

import argparse
import json
import sys

from exporters import export, formats


def main(argv=None):
    parser = argparse.ArgumentParser(prog="dump")
    parser.add_argument("--format", choices=formats(), default="csv")
    parser.add_argument("path")
    args = parser.parse_args(argv)
    with open(args.path, encoding="utf-8") as f:
        rows = json.load(f)
    sys.stdout.write(export(rows, args.format))
    return 0


if __name__ == "__main__":
    sys.exit(main())
