"""Provides `ReviewError`: an error caused by the user's input, shown as one line and exit code 1."""

from __future__ import annotations


class ReviewError(Exception):
    """A problem with the user's repo, spec, range or state that ends a command with exit code 1.

    Its message is one line meant for the user; the CLI prints it without a traceback.
    """
