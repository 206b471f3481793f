"""Command line: python -m stockroom report|low ITEMS.csv"""

import argparse

from .csv_io import load_items
from .inventory import Inventory
from .reports import low_stock_report, stock_report


def build_parser():
    parser = argparse.ArgumentParser(prog="stockroom")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("report", "low"):
        command = sub.add_parser(name)
        command.add_argument("csv_path")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    inventory = Inventory(load_items(args.csv_path))
    if args.command == "report":
        print(stock_report(inventory))
    else:
        print(low_stock_report(inventory))
    return 0
