"""Visits: a member's desk abroad, from quote and request to the host's decision, check-in and feeds."""
