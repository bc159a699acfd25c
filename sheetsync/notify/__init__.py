"""Telling the team: the Slack-style summary and the notifiers that deliver it."""
