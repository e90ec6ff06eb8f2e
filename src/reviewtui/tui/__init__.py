"""The Textual app: renders a `ReviewSession` and sends the reviewer's decisions back to it."""
