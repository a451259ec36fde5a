"""The Telegram front end on python-telegram-bot v22: thin handlers over the service layer.

Each handler parses the update, calls :class:`bot.service.reports.Reports` (which runs the engine and
writes the step), records everything it will send for the update with that step
(:mod:`bot.telegram.sending`), and only then sends it. Updates of different users run concurrently; one
user's run strictly in order; an update delivered twice is applied once, and gets the reply it
is still owed.
"""
