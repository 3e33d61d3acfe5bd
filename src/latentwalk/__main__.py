"""`python -m latentwalk` and the `latentwalk` command: Ctrl-C at any moment, start-up included,
exits with 130 and one line."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from latentwalk.cli import main as cli_main  # imports torch and every command: seconds

        cli_main()
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written.", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
