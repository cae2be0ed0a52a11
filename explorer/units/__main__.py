"""`python -m explorer.units`: rebuild the embedded model's shipped unit index, sprite and feature pictures."""
import argparse
import logging
from pathlib import Path

from explorer.model import embedded
from explorer.units.build import build_shipped

parser = argparse.ArgumentParser(description=build_shipped.__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--data", type=Path, default=None,
                    help="the CIFAR-10 training tarball (default: ../shared/data/cifar10-train-jpeg.tar.gz)")
parser.add_argument("--out", type=Path, default=embedded.ASSETS)
parser.add_argument("--no-features", action="store_true", help="only the index and its sprite")
args = parser.parse_args()
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
build_shipped(args.data, out=args.out, features=not args.no_features)
