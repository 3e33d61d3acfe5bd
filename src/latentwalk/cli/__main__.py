"""`python -m latentwalk.cli` runs the command line."""

from latentwalk.cli import main

main()
