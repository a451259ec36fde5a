"""``python -m bot`` runs the ``reportbot`` command line."""

from bot.cli import main

main()
