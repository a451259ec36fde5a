"""``python -m bot`` runs the ``reportbot`` command line."""

from bot.cli.main import main

main()
