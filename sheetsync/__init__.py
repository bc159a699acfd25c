"""sheetsync: keeps the agency's client-onboarding spreadsheet checked and annotated."""

__version__ = "0.1.0"
