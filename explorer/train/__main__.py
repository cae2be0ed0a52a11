"""`python -m explorer.train`: train (or resume) the embedded default."""
from explorer.train.cli import main

main()
