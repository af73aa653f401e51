"""``python -m guaranty.cli``: the ``guaranty`` command."""

from guaranty.cli import main

main()
